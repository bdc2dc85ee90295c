#include "storage/io/page_cache_loader.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <memory>

namespace fjord::storage {

void PageCacheLoader::load(CacheLoad load, std::function<void()> done) {
  threads_.post([load = std::move(load), done = std::move(done)]() mutable {
    read_in(load);
    load.keepalive.reset();
    done();
  });
}

void PageCacheLoader::load_all(std::vector<CacheLoad> loads, std::function<void()> done) {
  if (loads.empty()) return done();
  auto pending = std::make_shared<std::atomic<size_t>>(loads.size());
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& l : loads)
    load(std::move(l), [pending, shared_done] {
      if (pending->fetch_sub(1) == 1) (*shared_done)();
    });
}

namespace {

// Reads [position, position + length) of fd without copying it anywhere:
// sendfile() to /dev/null waits for each page like a read but hands the
// pages to a sink that drops them. False if it cannot be used here.
bool read_into_null(int fd, uint64_t position, uint64_t length) {
  static const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);  // shared by all loaders, never closed
  if (null_fd < 0) return false;
  auto at = static_cast<off_t>(position);
  for (uint64_t left = length; left > 0;) {
    const ssize_t got = ::sendfile(null_fd, fd, &at, left);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return left != length || (errno != EINVAL && errno != ENOSYS);  // EINVAL: no splice here
    if (got == 0) break;  // end of file
    left -= static_cast<uint64_t>(got);
  }
  return true;
}

}  // namespace

void PageCacheLoader::read_in(const CacheLoad& l) {
  // WILLNEED submits the whole range at once and, unlike a read that
  // triggers readahead, marks no page for more readahead: otherwise the
  // sendfile that meets such a page would start the next disk read itself,
  // in the network thread. The read after it waits for the pages, and needs
  // no mapping that could move. It goes to /dev/null: a catch-up reader
  // once spent 40% of the broker's CPU copying loaded pages into a scratch
  // buffer nobody looked at.
  ::posix_fadvise(l.fd, static_cast<off_t>(l.position), static_cast<off_t>(l.length), POSIX_FADV_WILLNEED);
  if (read_into_null(l.fd, l.position, l.length)) return;
  thread_local std::vector<char> scratch(1 << 20);
  for (uint64_t done = 0; done < l.length;) {
    const size_t n = std::min<uint64_t>(scratch.size(), l.length - done);
    const ssize_t got = ::pread(l.fd, scratch.data(), n, static_cast<off_t>(l.position + done));
    if (got <= 0) break;
    done += static_cast<uint64_t>(got);
  }
}

}  // namespace fjord::storage
