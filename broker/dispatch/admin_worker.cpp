#include "broker/dispatch/admin_worker.h"

#include <pthread.h>

namespace fjord::broker {

AdminWorker::AdminWorker() : thread_([this] {
  ::pthread_setname_np(::pthread_self(), "fj-admin");
  run();
}) {}

AdminWorker::~AdminWorker() { stop(); }

void AdminWorker::post(std::function<void()> job) {
  {
    std::lock_guard lk(mu_);
    if (stop_) return;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void AdminWorker::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AdminWorker::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace fjord::broker
