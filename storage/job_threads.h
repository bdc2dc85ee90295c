#pragma once
// Threads that run posted jobs, oldest first (with one thread: in order).
// Used for work that must stay off the network threads: reading log data
// into the page cache (PageCacheLoader) and topic creation and deletion
// (the broker's admin thread). Thread-safe.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fjord::storage {

class JobThreads {
 public:
  // `threads` >= 1, named "<name>-<i>" (top -H, perf).
  JobThreads(const std::string& name, int threads);
  ~JobThreads();  // calls stop()
  JobThreads(const JobThreads&) = delete;
  JobThreads& operator=(const JobThreads&) = delete;

  // Runs `job` on one of the threads. After stop() it is dropped at once
  // (destroyed uncalled: a Responder in it closes its connection).
  void post(std::function<void()> job);
  // Finishes the jobs in hand, drops the queued ones, joins. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace fjord::storage
