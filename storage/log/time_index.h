#pragma once
// Kafka's sparse .timeindex: 12-byte big-endian entries (int64 max timestamp
// so far, int32 offset relative to the segment base). Timestamps only grow.
#include <cstdint>
#include <string>

#include "storage/log/mapped_index.h"

namespace fjord::storage {

struct TimestampOffset {
  int64_t timestamp;
  int64_t offset;
};

class TimeIndex {
 public:
  static constexpr size_t kEntrySize = 12;

  Errc open(const std::string& path, int64_t base_offset, size_t capacity_bytes);
  // Largest entry with timestamp <= ts, or {-1, base}.
  TimestampOffset lookup(int64_t ts) const;
  // Appends when ts is larger than the last entry's; `force` ignores fullness
  // checks of the caller (the mapping still bounds it).
  bool maybe_append(int64_t ts, int64_t offset);
  void truncate_to_offset(int64_t offset);
  bool sane(int64_t next_offset) const;
  // Last entry, or {-1, base} when empty.
  TimestampOffset last() const;
  TimestampOffset entry(size_t i) const;
  size_t entries() const { return file_.entries(); }
  // Kafka keeps one slot free for the entry written on roll.
  bool full() const { return file_.entries() + 1 >= file_.capacity(); }
  MappedIndex& file() { return file_; }

 private:
  MappedIndex file_;
  int64_t base_ = 0;
};

}  // namespace fjord::storage
