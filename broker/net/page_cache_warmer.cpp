#include "broker/net/page_cache_warmer.h"

#include <pthread.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace fjord::broker {
namespace {

// True when the page holding `pos` is in the page cache (or the read fails
// for another reason: then sendfile will report it).
bool cached(int fd, uint64_t pos) {
  char byte;
  iovec v{&byte, 1};
  const ssize_t n = ::preadv2(fd, &v, 1, static_cast<off_t>(pos), RWF_NOWAIT);
  return !(n < 0 && errno == EAGAIN);
}

}  // namespace

PageCacheWarmer::PageCacheWarmer(int threads) {
  for (int i = 0; i < std::max(threads, 1); ++i)
    threads_.emplace_back([this, name = "fj-warmer-" + std::to_string(i)] {
      ::pthread_setname_np(::pthread_self(), name.c_str());
      run();
    });
}

PageCacheWarmer::~PageCacheWarmer() { stop(); }

bool PageCacheWarmer::needs_warming(const OutgoingResponse& r) {
  for (const auto& s : r.data.splices()) {
    const protocol::FileSlice& f = s.slice;
    if (f.memory || f.length == 0) continue;
    if (!cached(f.fd, f.position) || !cached(f.fd, f.position + f.length - 1)) return true;
  }
  return false;
}

void PageCacheWarmer::warm(OutgoingResponse r, std::function<void(OutgoingResponse)> done) {
  {
    std::lock_guard lk(mu_);
    if (stop_) return;
    queue_.push_back({std::move(r), std::move(done)});
  }
  cv_.notify_one();
}

void PageCacheWarmer::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void PageCacheWarmer::run() {
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
    // Plain reads: they bring the pages in; the copy only costs for data
    // that had to come from the disk anyway.
    for (const auto& s : job.response.data.splices()) {
      const protocol::FileSlice& f = s.slice;
      if (f.memory) continue;
      for (uint64_t done = 0; done < f.length;) {
        const size_t n = std::min<uint64_t>(scratch.size(), f.length - done);
        const ssize_t got = ::pread(f.fd, scratch.data(), n, static_cast<off_t>(f.position + done));
        if (got <= 0) break;  // sendfile will meet and report the same error
        done += static_cast<uint64_t>(got);
      }
    }
    job.done(std::move(job.response));
  }
}

}  // namespace fjord::broker
