#include "storage/flusher.h"

#include "storage/partition_log.h"

namespace fjord::storage {

Flusher::Flusher() : thread_([this] { run(); }) {}

Flusher::~Flusher() { stop(); }

void Flusher::schedule(std::shared_ptr<PartitionLog> log) {
  {
    std::lock_guard lk(mu_);
    queue_.push_back(std::move(log));
  }
  cv_.notify_one();
}

void Flusher::stop() {
  {
    std::lock_guard lk(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

uint64_t Flusher::rounds() const {
  std::lock_guard lk(mu_);
  return rounds_;
}

void Flusher::run() {
  std::vector<std::shared_ptr<PartitionLog>> batch;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty() && stop_) return;
      batch.swap(queue_);
      ++rounds_;
    }
    // Everything queued while the previous round was syncing shares this one.
    for (auto& log : batch) {
      int64_t durable = log->sync_for_flusher();
      log->complete_waiters(durable, durable >= 0);
    }
    batch.clear();
  }
}

}  // namespace fjord::storage
