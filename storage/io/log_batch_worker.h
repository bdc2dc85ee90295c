#pragma once
// One background thread serving a queue of partition logs' write pipelines:
// each round takes every log queued since the previous round and hands them
// to `work` as one batch (so a round can share one syscall, e.g. a syncfs,
// among them). Logs fold their own duplicates before queueing. Used by the Flusher
// (group commit), the TailWriter (both through LogBatchLanes) and the
// PageCacheTrimmer.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace fjord::storage {

class WritePipeline;

class LogBatchWorker {
 public:
  using Batch = std::vector<std::shared_ptr<WritePipeline>>;
  enum class OnStop { drain, drop };  // what stop() does with queued logs

  // `nice` > 0 lowers the thread's priority (housekeeping).
  // `name`: the thread's name as top -H and perf show it (15 characters at most).
  LogBatchWorker(std::string name, std::function<void(Batch&)> work, OnStop on_stop, int nice = 0);
  ~LogBatchWorker();
  LogBatchWorker(const LogBatchWorker&) = delete;
  LogBatchWorker& operator=(const LogBatchWorker&) = delete;

  // With OnStop::drop, ignored once stop() was called.
  void schedule(std::shared_ptr<WritePipeline> log);
  // Drains or drops the queue (see OnStop), then joins the thread. Idempotent.
  void stop();
  // Rounds done so far (tests, benchmarks).
  uint64_t rounds() const;

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

// Several LogBatchWorkers ("lanes") working side by side; a log always goes
// to the same lane (spread by topic and partition), so its rounds stay in
// order while other logs' rounds run concurrently.
class LogBatchLanes {
 public:
  // work(lane, batch) runs on lane `lane`'s thread.
  LogBatchLanes(const std::string& name, size_t lanes, std::function<void(size_t lane, LogBatchWorker::Batch&)> work,
                LogBatchWorker::OnStop on_stop);
  size_t size() const { return workers_.size(); }
  void schedule(std::shared_ptr<WritePipeline> log);
  // Stops every lane (see LogBatchWorker::stop). Idempotent.
  void stop();
  uint64_t rounds() const;

 private:
  std::vector<std::unique_ptr<LogBatchWorker>> workers_;
};

}  // namespace fjord::storage
