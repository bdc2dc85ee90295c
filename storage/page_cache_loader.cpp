#include "storage/page_cache_loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
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

void PageCacheLoader::read_in(const CacheLoad& l) {
  // WILLNEED submits the whole range at once and, unlike a read that
  // triggers readahead, marks no page for more readahead: otherwise the
  // sendfile that meets such a page would start the next disk read itself,
  // in the network thread. The reads then wait for it (the copy costs little
  // beside the disk read) and need no mapping that could move.
  thread_local std::vector<char> scratch(1 << 20);
  ::posix_fadvise(l.fd, static_cast<off_t>(l.position), static_cast<off_t>(l.length), POSIX_FADV_WILLNEED);
  for (uint64_t done = 0; done < l.length;) {
    const size_t n = std::min<uint64_t>(scratch.size(), l.length - done);
    const ssize_t got = ::pread(l.fd, scratch.data(), n, static_cast<off_t>(l.position + done));
    if (got <= 0) break;
    done += static_cast<uint64_t>(got);
  }
}

}  // namespace fjord::storage
