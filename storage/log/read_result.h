#pragma once
// What a read of a partition log returns (PartitionLog::read) and what a
// read that must not wait for the disk asks to have loaded first
// (PageCacheLoader).
#include <cstdint>
#include <memory>
#include <vector>

#include "protocol/wire/writer.h"
#include "storage/errc.h"

namespace fjord::storage {

// File bytes to bring into the page cache before a cached-only read is
// retried (PageCacheLoader).
struct CacheLoad {
  int fd = -1;
  uint64_t position = 0;
  uint64_t length = 0;
  std::shared_ptr<const void> keepalive;  // keeps fd open
};

enum class ReadMode : uint8_t {
  may_block,    // page faults and sendfile may wait for the disk
  cached_only,  // Errc::not_cached (with ReadResult::load) instead of waiting
};

struct ReadResult {
  Errc error = Errc::ok;
  CacheLoad load;                        // what to load when error == not_cached
  protocol::FileSlice slice;             // whole batches, ready for sendfile
  std::shared_ptr<const void> keepalive; // keeps the segment's fd open while the response is sent
  // Tail memory directly after `slice` when that is tail memory too: adopted
  // batches are pieces of memory of their own. Each is pinned by its keepalive.
  std::vector<protocol::FileSlice> more;
  std::vector<std::shared_ptr<const void>> more_keepalive;
  uint32_t length() const {
    uint32_t n = slice.length;
    for (const auto& s : more) n += s.length;
    return n;
  }
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
  int64_t last_stable_offset = 0;
};

}  // namespace fjord::storage
