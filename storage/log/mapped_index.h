#pragma once
// A memory-mapped file of fixed-size index entries, Kafka style: the active
// segment's index is preallocated to segment.index.bytes and appended through
// the mapping; on roll/close it is trimmed to the entries actually written.
#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/errc.h"
#include "storage/file_ops.h"

namespace fjord::storage {

class MappedIndex {
 public:
  MappedIndex() = default;
  ~MappedIndex();
  MappedIndex(const MappedIndex&) = delete;
  MappedIndex& operator=(const MappedIndex&) = delete;

  // Opens (creating when missing) `path`. Existing entries = file size /
  // entry size. With capacity_bytes > 0 the file is grown to that many bytes
  // (rounded down to whole entries) so entries can be appended.
  Errc open(const std::string& path, size_t entry_size, size_t capacity_bytes);
  // Grows or shrinks the writable capacity (0 = trim to the entries written).
  Errc resize(size_t capacity_bytes);
  Errc trim() { return resize(0); }
  void close();

  size_t entries() const { return entries_; }
  size_t capacity() const { return capacity_; }
  bool full() const { return entries_ >= capacity_; }
  const uint8_t* entry(size_t i) const { return map_ + i * entry_size_; }
  // Appends one entry; false when full.
  bool append(const uint8_t* bytes);
  void truncate_entries(size_t n) { if (n < entries_) entries_ = n; }
  Errc sync();
  const std::string& path() const { return path_; }

 private:
  Errc map(size_t bytes);
  void unmap();

  std::string path_;
  FileHandle fd_;
  uint8_t* map_ = nullptr;
  size_t map_bytes_ = 0;
  size_t entry_size_ = 1;
  size_t entries_ = 0;
  size_t capacity_ = 0;  // entries the mapping can hold
};

}  // namespace fjord::storage
