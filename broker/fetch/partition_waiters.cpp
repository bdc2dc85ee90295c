#include "broker/fetch/partition_waiters.h"

namespace fjord::broker {

void PartitionWaiters::add(const std::string& topic, int32_t partition, const std::weak_ptr<FetchWaiter>& w) {
  std::lock_guard lock(mu_);
  auto& list = waiters_[Key{topic, partition}];
  // Drop waiters that already finished so idle partitions do not grow.
  std::erase_if(list, [](const auto& x) { return x.expired(); });
  // A parked fetch re-registers on every attempt; keep one entry per waiter.
  for (const auto& x : list)
    if (!x.owner_before(w) && !w.owner_before(x)) return;
  list.push_back(w);
}

void PartitionWaiters::notify(const std::string& topic, int32_t partition) {
  std::vector<std::weak_ptr<FetchWaiter>> woken;
  {
    std::lock_guard lock(mu_);
    auto it = waiters_.find(Key{topic, partition});
    if (it == waiters_.end()) return;
    woken.swap(it->second);
    waiters_.erase(it);
  }
  for (auto& w : woken)
    if (auto s = w.lock()) s->wake();
}

void PartitionWaiters::notify_all() {
  std::map<Key, std::vector<std::weak_ptr<FetchWaiter>>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(waiters_);
  }
  for (auto& [_, list] : all)
    for (auto& w : list)
      if (auto s = w.lock()) s->wake();
}

size_t PartitionWaiters::size() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto& [_, list] : waiters_) n += list.size();
  return n;
}

}  // namespace fjord::broker
