#include "storage/log/log_batch_reader.h"

#include <algorithm>

#include "storage/log/partition_log.h"

namespace fjord::storage {

LogBatchReader::LogBatchReader(const PartitionLog& log, int64_t from_offset)
    : LogBatchReader(log, from_offset, Options{}) {}

LogBatchReader::LogBatchReader(const PartitionLog& log, int64_t from_offset, Options options)
    : log_(log),
      from_(from_offset),
      upto_(options.upto ? *options.upto : log.high_watermark()),
      read_bytes_(std::max(options.read_bytes, 1)),
      next_offset_(from_offset),
      reader_(size_t(read_bytes_)) {}

bool LogBatchReader::read_more() {
  // The rest of this read: tail memory that followed on (ReadResult::more).
  if (piece_ < slice_.more.size()) {
    const protocol::FileSlice& s = slice_.more[piece_++];
    reader_.reset(s.fd, s.position, s.position + s.length, s.memory);
    return true;
  }
  if (!started_) {
    // Checked once, also when there is nothing to read below upto.
    started_ = true;
    if (from_ < log_.log_start_offset() || from_ > log_.log_end_offset()) {
      error_ = Errc::offset_out_of_range;
      return false;
    }
  }
  if (next_offset_ >= upto_) return false;
  slice_ = log_.read(next_offset_, read_bytes_, true, upto_);
  piece_ = 0;
  if (slice_.error != Errc::ok) {
    error_ = slice_.error;
    return false;
  }
  const protocol::FileSlice& s = slice_.slice;
  if (s.length == 0) return false;  // nothing more below upto
  reader_.reset(s.fd, s.position, s.position + s.length, s.memory);
  return true;
}

bool LogBatchReader::next(LogBatch* out) {
  batch_ = {};
  records_open_ = false;
  if (error_ != Errc::ok) return false;
  for (;;) {
    protocol::RecordBatchView v;
    if (reader_.next(&v)) {
      // A read starts with the batch holding next_offset_ and stops before upto_.
      next_offset_ = std::max(next_offset_, v.last_offset() + 1);
      batch_ = v;
      out->view = v;
      return true;
    }
    if (reader_.error() != Errc::ok) {
      error_ = reader_.error();
      return false;
    }
    if (!read_more()) return false;
  }
}

bool LogBatchReader::next_record(protocol::Record* out) {
  if (error_ != Errc::ok || !batch_.data()) return false;
  if (!records_open_) {
    if (records_.open(batch_, scratch_) != protocol::BatchError::ok) {
      error_ = Errc::corrupt_message;
      return false;
    }
    records_open_ = true;
  }
  while (records_.next(out)) {
    if (out->offset < from_) continue;  // the start was inside this batch
    if (out->offset >= upto_) return false;
    return true;
  }
  if (records_.error() != protocol::BatchError::ok) error_ = Errc::corrupt_message;
  return false;
}

}  // namespace fjord::storage
