#include "storage/page_cache_trimmer.h"

#include <sys/resource.h>
#include <unistd.h>

#include "storage/partition_log.h"

namespace fjord::storage {

PageCacheTrimmer::PageCacheTrimmer(uint64_t window_bytes)
    : window_(window_bytes), thread_([this] { run(); }) {}

PageCacheTrimmer::~PageCacheTrimmer() { stop(); }

void PageCacheTrimmer::schedule(std::shared_ptr<PartitionLog> log) {
  {
    std::lock_guard lk(mu_);
    if (stop_) return;
    queue_.push_back(std::move(log));
  }
  cv_.notify_one();
}

void PageCacheTrimmer::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

uint64_t PageCacheTrimmer::passes() const {
  std::lock_guard lk(mu_);
  return passes_;
}

void PageCacheTrimmer::run() {
  // Housekeeping: on a busy machine the network threads go first. Lowering
  // one's own thread priority needs no privilege.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  std::vector<std::shared_ptr<PartitionLog>> batch;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      batch.swap(queue_);
    }
    for (auto& log : batch) log->trim_page_cache(window_);
    {
      std::lock_guard lk(mu_);
      passes_ += batch.size();
    }
    batch.clear();
  }
}

}  // namespace fjord::storage
