#pragma once
// One log segment: <base>.log with its .index, .timeindex and (once a
// transaction was aborted in it) .txnindex. Not
// thread-safe; the owning PartitionLog serialises access with its mutex.
// Batch headers are read through a read-only mapping of the .log (no record
// bytes are copied); appends go through pwrite.
#include <cstdint>
#include <memory>
#include <string>

#include "protocol/records/record_batch.h"
#include "storage/errc.h"
#include "storage/file_ops.h"
#include "storage/log/offset_index.h"
#include "storage/io/segment_tail.h"
#include "storage/log/time_index.h"
#include "storage/log/txn_index.h"

namespace fjord::storage {

// Fields of one stored batch's header (already validated by append/recovery).
struct StoredBatch {
  uint64_t position = 0;
  uint32_t size = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = -1;
};

struct SegmentOptions {
  int32_t index_interval_bytes = 4096;
  int32_t segment_index_bytes = 10 << 20;
  int64_t segment_bytes = 1 << 30;  // mapping reserve for the active segment
};

class Segment {
 public:
  // Creates empty files for a new active segment (indexes preallocated).
  // `suffix` (e.g. ".cleaned") is appended to every file name.
  static Errc create(const std::string& dir, int64_t base_offset, const SegmentOptions& opt,
                     int64_t now_ms, std::unique_ptr<Segment>* out, const std::string& suffix = "");
  // Opens existing files without scanning. Call load() or recover() next.
  static Errc open(const std::string& dir, int64_t base_offset, const SegmentOptions& opt,
                   std::unique_ptr<Segment>* out);
  ~Segment();

  // Trusts the .log but checks the indexes; walks from the last index entry
  // to the end to find next_offset. False when anything looks wrong (the
  // caller then recover()s this segment).
  bool load();
  // Validates every batch (framing, CRC, offsets), truncates at the first bad
  // one and rebuilds both indexes. *dropped_bytes gets what was cut.
  // `min_offset`: the first batch must start at or above it. `allow_gaps`:
  // compacted logs may skip offsets; otherwise batches must be contiguous.
  Errc recover(int64_t min_offset, bool allow_gaps, uint64_t* dropped_bytes, int64_t* bad_offset);

  // Keeps this segment's new bytes in memory and writes them with O_DIRECT
  // (see segment_tail.h) from now until the tail is dropped.
  Errc enable_tail();
  SegmentTail* tail() { return tail_.get(); }
  // Once sealed and wholly on disk: gives back the preallocated blocks and
  // frees the tail. Returns io_error if the cut fails.
  Errc drop_tail_if_written();
  // Memory holding the bytes at `position` when they are in the tail (see
  // SegmentTail::at); null when they are to be read from the file.
  const uint8_t* tail_at(uint64_t position, uint64_t* contiguous_end, std::shared_ptr<const void>* pin) const;
  // File position below which the file holds every byte (size() without a
  // tail). Every batch starting below the tail's start() ends at or below it.
  uint64_t file_end() const { return tail_ ? tail_->on_disk() : size_; }

  // Writes the batch bytes at the end (or into the tail) and updates the indexes.
  // `owner`: the batch is in an arena slot the tail may keep instead of
  // copying (SegmentTail::adopt).
  Errc append(const protocol::RecordBatchView& batch, int64_t now_ms, std::shared_ptr<const void> owner = {});
  // Batches appended with an owner since start: kept as received, and copied
  // (another append came first, or no tail). Logged at shutdown.
  struct ReceivedBatches {
    uint64_t kept = 0;
    uint64_t copied = 0;
  };
  static ReceivedBatches received_batches();
  // True when `bytes` more would not fit or the indexes are full.
  bool should_roll(uint32_t bytes, int64_t last_offset, int64_t now_ms, int64_t segment_bytes,
                   int64_t segment_ms) const;

  // `miss` (find_batch, end_of_batches): when given, a batch header on a
  // page the page cache does not hold is not read; the walk stops there and
  // *miss gets its file position (else it stays kNoMiss). Reads done this
  // way never wait for the disk.
  static constexpr uint64_t kNoMiss = UINT64_MAX;
  // First batch whose last offset >= offset, scanning from the index hint.
  // False when none (offset beyond this segment) or on a miss.
  bool find_batch(int64_t offset, StoredBatch* out, uint64_t* miss = nullptr) const;
  // The batch at `position` (must be a batch boundary below size()).
  bool batch_at(uint64_t position, StoredBatch* out) const;
  // Byte position where the whole batches starting at `from` end, not beyond
  // `max_end` and excluding batches whose base offset >= upto.
  uint64_t end_of_batches(uint64_t from, uint64_t max_end, int64_t upto, uint64_t* miss = nullptr) const;
  // Whether every byte of [from, to) is in memory: in the tail or in the
  // page cache (mincore on the mapping; no page is touched).
  bool resident(uint64_t from, uint64_t to) const;
  // First batch with max_timestamp >= ts and offset >= min_offset.
  bool find_by_timestamp(int64_t ts, int64_t min_offset, StoredBatch* out, uint64_t* miss = nullptr) const;
  // Pointer to a batch's bytes, from the tail or the mapping (valid under
  // the partition lock); null on error.
  const uint8_t* data_at(uint64_t position) const;

  // Drops all batches with base offset >= offset (or containing it).
  Errc truncate_to(int64_t offset);
  // Trims indexes to their entries and writes the final time index entry.
  Errc seal();
  // Re-opens the indexes with full capacity (a sealed segment becoming active again).
  Errc unseal();
  // Drops this process's mappings of [from, to) of the .log (page-aligned),
  // so posix_fadvise(DONTNEED) can evict those pages; reads refault them.
  void unmap_pages(uint64_t from, uint64_t to);
  // How far PageCacheTrimmer got in this .log: writeback started below
  // `written_back`, pages below `dropped` evicted. Under the partition lock.
  struct CacheCursor {
    uint64_t written_back = 0;
    uint64_t dropped = 0;
  };
  CacheCursor& cache_cursor() { return cache_; }
  Errc sync_log();      // fdatasync the .log
  Errc sync_indexes();  // msync both indexes
  // Renames files to drop `suffix` given at create(); fsyncs the dir.
  Errc rename_final(const std::string& suffix);
  // Unlinks the files; the fd stays usable for in-flight reads.
  void remove_files();

  int64_t base_offset() const { return base_; }
  uint64_t size() const { return size_; }
  int64_t next_offset() const { return next_offset_; }
  bool empty() const { return size_ == 0; }
  int fd() const { return log_fd_.get(); }
  int64_t max_timestamp() const { return max_ts_; }
  int64_t offset_of_max_timestamp() const { return offset_of_max_ts_; }
  // Kafka's largestTimestamp: max timestamp if any, else file mtime.
  int64_t largest_timestamp_or_mtime() const;
  int64_t created_ms() const { return created_ms_; }
  const std::string& log_path() const { return log_path_; }
  // Only used by recovery and tests.
  OffsetIndex& offset_index() { return oidx_; }
  TimeIndex& time_index() { return tidx_; }
  // The aborted transactions whose abort marker is in this segment.
  TxnIndex& txn_index() { return txn_; }
  const TxnIndex& txn_index() const { return txn_; }

 private:
  Segment() = default;
  Errc ensure_mapped(uint64_t bytes) const;
  // batch_at, unless `miss` is set and the header is not resident.
  bool header_at(uint64_t position, StoredBatch* out, uint64_t* miss) const;
  void note_batch(const StoredBatch& b, bool index_it);

  std::string dir_;
  std::string log_path_;
  std::string suffix_;
  int64_t base_ = 0;
  SegmentOptions opt_;
  FileHandle log_fd_;
  OffsetIndex oidx_;
  TimeIndex tidx_;
  TxnIndex txn_;
  uint64_t size_ = 0;
  int64_t next_offset_ = 0;
  int64_t max_ts_ = -1;
  int64_t offset_of_max_ts_ = -1;
  uint64_t bytes_since_index_ = 0;
  int64_t created_ms_ = 0;
  bool sealed_ = false;
  CacheCursor cache_;
  std::unique_ptr<SegmentTail> tail_;
  mutable const uint8_t* map_ = nullptr;
  mutable size_t map_len_ = 0;
};

}  // namespace fjord::storage
