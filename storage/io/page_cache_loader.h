#pragma once
// Threads that read file ranges into the page cache for fetches, so a
// consumer reading behind what memory holds waits for the disk on a thread
// of its own, not in a network thread (where every other connection of that
// thread would wait too, Kafka's KAFKA-7504) and not under a partition lock
// (where the partition's producers would). num.io.threads of them. Thread-safe.
#include <functional>
#include <vector>

#include "storage/job_threads.h"
#include "storage/log/read_result.h"

namespace fjord::storage {

class PageCacheLoader {
 public:
  // Rounds of loads a caller asks for before it reads whatever it must (the
  // cache may keep losing what was loaded), so every request ends.
  static constexpr int kMaxRounds = 3;

  explicit PageCacheLoader(int threads) : threads_("fj-loader", threads) {}

  // Reads `load`'s range (which caches it), then calls done() on a loader
  // thread. A read error is left for the retried read to meet and report.
  // After stop(), done is dropped uncalled.
  void load(CacheLoad load, std::function<void()> done);
  // Loads every range (side by side), then calls done() once, on the
  // loader thread that finished last.
  void load_all(std::vector<CacheLoad> loads, std::function<void()> done);
  // Drops what is queued and joins the threads. Idempotent.
  void stop() { threads_.stop(); }

 private:
  static void read_in(const CacheLoad& load);

  JobThreads threads_;
};

}  // namespace fjord::storage
