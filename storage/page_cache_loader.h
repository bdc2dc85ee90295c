#pragma once
// Threads that read file ranges into the page cache for fetches, so a
// consumer reading behind what memory holds waits for the disk on a thread
// of its own, not in a network thread (where every other connection of that
// thread would wait too, Kafka's KAFKA-7504) and not under a partition lock
// (where the partition's producers would). num.io.threads of them. Thread-safe.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/partition_log.h"

namespace fjord::storage {

class PageCacheLoader {
 public:
  explicit PageCacheLoader(int threads);
  ~PageCacheLoader();  // calls stop()
  PageCacheLoader(const PageCacheLoader&) = delete;
  PageCacheLoader& operator=(const PageCacheLoader&) = delete;

  // Reads `load`'s range (which caches it), then calls done() on a loader
  // thread. A read error is left for the retried read to meet and report.
  // After stop(), done is dropped uncalled.
  void load(CacheLoad load, std::function<void()> done);
  // Drops what is queued and joins the threads. Idempotent.
  void stop();

 private:
  struct Job {
    CacheLoad load;
    std::function<void()> done;
  };
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace fjord::storage
