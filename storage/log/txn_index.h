#pragma once
// Kafka's .txnindex: the aborted transactions whose abort marker landed in
// a segment, 34-byte big-endian entries (version int16 0, producer id
// int64, first offset int64, last offset int64 (the marker), last stable
// offset int64). A read-committed fetch collects the entries overlapping
// what it returns, so the consumer can drop the aborted batches. The file
// exists only once a segment has an entry, as in Kafka. Not thread-safe
// (the segment's PartitionLog lock).
#include <cstdint>
#include <string>
#include <vector>

#include "storage/errc.h"
#include "storage/file_ops.h"

namespace fjord::storage {

struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t last_stable_offset = -1;
  bool operator==(const AbortedTxn&) const = default;
};

class TxnIndex {
 public:
  static constexpr size_t kEntrySize = 34;

  // Reads the entries of `path` if it exists (a torn last entry is cut off).
  Errc open(const std::string& path);
  Errc append(const AbortedTxn& txn);
  // Drops the entries whose marker is at or after `offset`.
  Errc truncate_to(int64_t offset);
  Errc sync();
  void remove();
  Errc rename(const std::string& path);
  bool contains(int64_t producer_id, int64_t first_offset) const;
  // Appends the entries with last_offset >= fetch_offset and first_offset <
  // upper_bound to *out; true when an entry's last stable offset reaches
  // upper_bound (no later segment can add to the answer: Kafka's isComplete).
  bool collect(int64_t fetch_offset, int64_t upper_bound, std::vector<AbortedTxn>* out) const;
  const std::vector<AbortedTxn>& entries() const { return entries_; }
  const std::string& path() const { return path_; }

  static void encode(const AbortedTxn& t, uint8_t* out);
  static AbortedTxn decode(const uint8_t* in);

 private:
  std::string path_;
  FileHandle fd_;  // opened on the first append when the file did not exist
  std::vector<AbortedTxn> entries_;
  bool dirty_ = false;
};

}  // namespace fjord::storage
