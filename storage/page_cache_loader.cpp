#include "storage/page_cache_loader.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace fjord::storage {

PageCacheLoader::PageCacheLoader(int threads) {
  for (int i = 0; i < std::max(threads, 1); ++i)
    threads_.emplace_back([this, name = "fj-loader-" + std::to_string(i)] {
      ::pthread_setname_np(::pthread_self(), name.c_str());
      run();
    });
}

PageCacheLoader::~PageCacheLoader() { stop(); }

void PageCacheLoader::load(CacheLoad load, std::function<void()> done) {
  {
    std::lock_guard lk(mu_);
    if (stop_) return;
    queue_.push_back({std::move(load), std::move(done)});
  }
  cv_.notify_one();
}

void PageCacheLoader::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void PageCacheLoader::run() {
  // WILLNEED submits the whole range at once and, unlike a read that
  // triggers readahead, marks no page for more readahead: otherwise the
  // sendfile that meets such a page would start the next disk read itself,
  // in the network thread. The reads then wait for it (the copy costs little
  // beside the disk read) and need no mapping that could move.
  std::vector<char> scratch(1 << 20);
  for (;;) {
    Job job;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    const CacheLoad& l = job.load;
    ::posix_fadvise(l.fd, static_cast<off_t>(l.position), static_cast<off_t>(l.length), POSIX_FADV_WILLNEED);
    for (uint64_t done = 0; done < l.length;) {
      const size_t n = std::min<uint64_t>(scratch.size(), l.length - done);
      const ssize_t got = ::pread(l.fd, scratch.data(), n, static_cast<off_t>(l.position + done));
      if (got <= 0) break;
      done += static_cast<uint64_t>(got);
    }
    job.load.keepalive.reset();
    job.done();
  }
}

}  // namespace fjord::storage
