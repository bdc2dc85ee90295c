#pragma once
// One background thread serving a queue of partition logs: each round takes
// every log queued since the previous round and hands them to `work` as one
// batch (so a round can share one syscall, e.g. a syncfs, among them).
// Logs fold their own duplicates before queueing. Used by the Flusher
// (group commit) and the PageCacheTrimmer.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace fjord::storage {

class PartitionLog;

class LogBatchWorker {
 public:
  using Batch = std::vector<std::shared_ptr<PartitionLog>>;
  enum class OnStop { drain, drop };  // what stop() does with queued logs

  // `nice` > 0 lowers the thread's priority (housekeeping).
  LogBatchWorker(std::function<void(Batch&)> work, OnStop on_stop, int nice = 0);
  ~LogBatchWorker();
  LogBatchWorker(const LogBatchWorker&) = delete;
  LogBatchWorker& operator=(const LogBatchWorker&) = delete;

  // With OnStop::drop, ignored once stop() was called.
  void schedule(std::shared_ptr<PartitionLog> log);
  // Drains or drops the queue (see OnStop), then joins the thread. Idempotent.
  void stop();
  // Rounds done so far (tests, benchmarks).
  uint64_t rounds() const;
  // Which of `lanes` workers serves `log`: always the same one, spread by partition.
  static size_t lane_of(const PartitionLog& log, size_t lanes);

 private:
  void run(int nice);

  const std::function<void(Batch&)> work_;
  const OnStop on_stop_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Batch queue_;
  bool stop_ = false;
  uint64_t rounds_ = 0;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace fjord::storage
