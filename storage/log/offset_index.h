#pragma once
// Kafka's sparse .index: 8-byte big-endian entries (int32 offset relative to
// the segment base, int32 byte position of a batch in the .log).
#include <cstdint>
#include <string>

#include "storage/log/mapped_index.h"

namespace fjord::storage {

struct OffsetPosition {
  int64_t offset;
  uint32_t position;
};

class OffsetIndex {
 public:
  static constexpr size_t kEntrySize = 8;

  Errc open(const std::string& path, int64_t base_offset, size_t capacity_bytes);
  // Largest entry with offset <= target, or {base, 0}.
  OffsetPosition lookup(int64_t target) const;
  // Largest entry with position <= pos, or {base, 0}.
  OffsetPosition lookup_position(uint64_t pos) const;
  bool append(int64_t offset, uint32_t position);
  // Drops entries whose offset >= offset.
  void truncate_to_offset(int64_t offset);
  // Entries strictly increasing and inside [base, log_size).
  bool sane(uint64_t log_size) const;
  OffsetPosition entry(size_t i) const;
  size_t entries() const { return file_.entries(); }
  bool full() const { return file_.full(); }
  MappedIndex& file() { return file_; }

 private:
  MappedIndex file_;
  int64_t base_ = 0;
};

}  // namespace fjord::storage
