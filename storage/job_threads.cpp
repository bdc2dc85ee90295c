#include "storage/job_threads.h"

#include <pthread.h>

#include <algorithm>

namespace fjord::storage {

JobThreads::JobThreads(const std::string& name, int threads) {
  for (int i = 0; i < std::max(threads, 1); ++i)
    threads_.emplace_back([this, thread_name = name + "-" + std::to_string(i)] {
      ::pthread_setname_np(::pthread_self(), thread_name.c_str());
      run();
    });
}

JobThreads::~JobThreads() { stop(); }

void JobThreads::post(std::function<void()> job) {
  {
    std::lock_guard lk(mu_);
    if (stop_) return;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void JobThreads::stop() {
  std::deque<std::function<void()>> dropped;  // destroyed after the lock is released
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void JobThreads::run() {
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

}  // namespace fjord::storage
