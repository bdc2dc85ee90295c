#pragma once
// Runs fn(i) for every i in [0, n) on up to `max_threads` threads (the caller's
// thread is one of them) and returns when all are done. Used for per-partition
// work that mostly waits on the disk (fsync, directory creation): concurrent
// fsyncs on one file system share journal commits, so 1000 partitions cost a
// few commits instead of 1000 sequential ones.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace fjord::storage {

template <typename Fn>
void parallel_for(size_t n, size_t max_threads, Fn&& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  size_t extra = std::min(n, std::max<size_t>(max_threads, 1)) - (n > 0 ? 1 : 0);
  std::vector<std::thread> threads;
  threads.reserve(extra);
  for (size_t t = 0; t < extra; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
}

}  // namespace fjord::storage
