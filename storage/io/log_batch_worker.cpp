#include "storage/io/log_batch_worker.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>

#include "storage/io/write_pipeline.h"

namespace fjord::storage {

LogBatchLanes::LogBatchLanes(const std::string& name, size_t lanes,
                             std::function<void(size_t, LogBatchWorker::Batch&)> work, LogBatchWorker::OnStop on_stop) {
  for (size_t i = 0; i < std::max<size_t>(lanes, 1); ++i)
    workers_.push_back(std::make_unique<LogBatchWorker>(
        name + "-" + std::to_string(i), [work, i](LogBatchWorker::Batch& b) { work(i, b); }, on_stop));
}

void LogBatchLanes::schedule(std::shared_ptr<WritePipeline> log) {
  const size_t i = (std::hash<std::string>{}(log->topic()) + size_t(log->partition())) % workers_.size();
  workers_[i]->schedule(std::move(log));
}

void LogBatchLanes::stop() {
  for (auto& w : workers_) w->stop();
}

uint64_t LogBatchLanes::rounds() const {
  uint64_t n = 0;
  for (auto& w : workers_) n += w->rounds();
  return n;
}

LogBatchWorker::LogBatchWorker(std::string name, std::function<void(Batch&)> work, OnStop on_stop, int nice)
    : work_(std::move(work)), on_stop_(on_stop), thread_([this, name = std::move(name), nice] {
        ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
        run(nice);
      }) {}

LogBatchWorker::~LogBatchWorker() { stop(); }

void LogBatchWorker::schedule(std::shared_ptr<WritePipeline> log) {
  {
    std::lock_guard lk(mu_);
    if (stop_ && on_stop_ == OnStop::drop) return;
    queue_.push_back(std::move(log));
  }
  cv_.notify_one();
}

void LogBatchWorker::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    if (on_stop_ == OnStop::drop) queue_.clear();
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

uint64_t LogBatchWorker::rounds() const {
  std::lock_guard lk(mu_);
  return rounds_;
}

void LogBatchWorker::run(int nice) {
  // Lowering one's own thread priority needs no privilege.
  if (nice > 0) ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice);
  Batch batch;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopped, and nothing left to drain
      batch.swap(queue_);
      ++rounds_;
    }
    work_(batch);
    batch.clear();
  }
}

}  // namespace fjord::storage
