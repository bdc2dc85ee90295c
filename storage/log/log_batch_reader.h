#pragma once
// Reads a partition's stored batches in offset order, from a given offset,
// for code that replays a log: the group and transaction coordinators
// loading their internal topics, tools, tests. Each step yields one whole
// batch as stored (header fields and bytes) and, on request, its records,
// decompressed. Reads go through PartitionLog::read as a fetch does, so they
// see what a consumer would: across segment rolls, over the gaps compaction
// leaves, and bytes still held in in-memory tails. Bytes are copied out of
// the log a chunk at a time (Options::read_bytes); nothing stays locked
// between calls. Not thread-safe; the log may be appended to meanwhile.
//
//   LogBatchReader reader(log, log.log_start_offset());
//   LogBatch batch;
//   while (reader.next(&batch)) {
//     protocol::Record r;
//     while (reader.next_record(&r)) ...
//   }
//   if (reader.error() != Errc::ok) ...
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/records/record_batch.h"
#include "protocol/records/record_reader.h"
#include "storage/errc.h"
#include "storage/log/read_result.h"
#include "storage/log/segment_range_reader.h"

namespace fjord::storage {

class PartitionLog;

// One stored batch. The view (and the bytes) stay valid until the reader's
// next call of next().
struct LogBatch {
  protocol::RecordBatchView view;  // every header field: epoch, producer, attributes, timestamps...
  int64_t base_offset() const { return view.base_offset(); }
  int64_t last_offset() const { return view.last_offset(); }
  // The whole batch as stored, log overhead included.
  std::span<const uint8_t> bytes() const { return {view.data(), view.total_size()}; }
};

class LogBatchReader {
 public:
  struct Options {
    // Batches starting at or after this offset are not read; records at or
    // after it are not yielded. Default: the high watermark when the reader
    // is made (what consumers may read). log_end_offset() reads all.
    std::optional<int64_t> upto;
    // Bytes copied out of the log at a time (at least one whole batch).
    int32_t read_bytes = 1 << 20;
  };

  // Starts with the batch holding `from_offset`, or the first after it when
  // compaction removed that offset.
  LogBatchReader(const PartitionLog& log, int64_t from_offset);
  LogBatchReader(const PartitionLog& log, int64_t from_offset, Options options);

  // The next batch; false at `upto` (the end) or on an error: error() says
  // which. An error ends the reading.
  bool next(LogBatch* out);
  // The next record of the batch next() returned last (decompressed on the
  // first call, into a buffer reused across batches), skipping records
  // before `from_offset` and from `upto` on. Points into the batch or that
  // buffer until next() is called again. False at the batch's end or when
  // its records cannot be read (error() is then corrupt_message). Control
  // batches' records are yielded as stored (their keys say the marker type).
  bool next_record(protocol::Record* out);

  // ok, or why reading stopped: offset_out_of_range (the start is outside
  // the log, or retention or truncation removed what was next),
  // corrupt_message, io_error.
  Errc error() const { return error_; }
  // Where the batch after the last one returned starts looking.
  int64_t next_offset() const { return next_offset_; }
  int64_t upto() const { return upto_; }

 private:
  // Fetches the next slice of the log into reader_; false at the end or on error.
  bool read_more();

  const PartitionLog& log_;
  const int64_t from_;
  const int64_t upto_;
  const int32_t read_bytes_;
  int64_t next_offset_;
  ReadResult slice_;           // keeps what reader_ reads from open or pinned
  size_t piece_ = 0;           // slice_.more read so far
  bool started_ = false;
  SegmentRangeReader reader_;
  protocol::RecordBatchView batch_;  // the last one next() returned
  bool records_open_ = false;
  protocol::RecordReader records_;
  std::vector<uint8_t> scratch_;
  Errc error_ = Errc::ok;
};

}  // namespace fjord::storage
