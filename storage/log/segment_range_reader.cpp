#include "storage/log/segment_range_reader.h"

#include <algorithm>
#include <cstring>

#include "storage/file_ops.h"

namespace fjord::storage {

using protocol::RecordBatchView;

SegmentRangeReader::SegmentRangeReader(size_t chunk_bytes) : chunk_bytes_(std::max<size_t>(chunk_bytes, 1)) {}

void SegmentRangeReader::reset(int fd, uint64_t from, uint64_t to, const uint8_t* memory) {
  fd_ = fd;
  memory_ = memory;
  from_ = from;
  to_ = std::max(from, to);
  next_ = from;
  position_ = from;
  buf_pos_ = from;
  buf_len_ = 0;
  error_ = Errc::ok;
}

bool SegmentRangeReader::fill(size_t n) {
  if (next_ + n <= buf_pos_ + buf_len_) return true;
  // Keeps what is buffered from next_ on and reads on after it.
  const size_t keep = size_t(buf_pos_ + buf_len_ - next_);
  if (keep > 0) std::memmove(buf_.data(), buf_.data() + (next_ - buf_pos_), keep);
  buf_pos_ = next_;
  buf_len_ = keep;
  const size_t want = size_t(std::min<uint64_t>(std::max(n, chunk_bytes_), to_ - next_));
  if (buf_.size() < want) buf_.resize(want);
  uint8_t* dst = buf_.data() + keep;
  const uint64_t at = next_ + keep;
  const size_t len = want - keep;
  if (memory_) {
    std::memcpy(dst, memory_ + (at - from_), len);
  } else if (!pread_all(fd_, dst, len, at)) {
    error_ = Errc::io_error;
    return false;
  }
  buf_len_ = want;
  return true;
}

bool SegmentRangeReader::next(RecordBatchView* out) {
  if (error_ != Errc::ok || next_ >= to_) return false;
  if (to_ - next_ < protocol::kBatchHeaderSize) {
    error_ = Errc::corrupt_message;  // a torn header
    return false;
  }
  if (!fill(protocol::kLogOverhead)) return false;
  const uint8_t* head = buf_.data() + (next_ - buf_pos_);
  const int64_t len = int32_t(protocol::detail::load_be(head + protocol::kBatchLengthOffset, 4));
  if (len < int64_t(protocol::kBatchHeaderSize - protocol::kLogOverhead) ||
      uint64_t(len) > to_ - next_ - protocol::kLogOverhead) {
    error_ = Errc::corrupt_message;
    return false;
  }
  const size_t total = protocol::kLogOverhead + size_t(len);
  if (!fill(total)) return false;
  if (RecordBatchView::parse(buf_.data() + (next_ - buf_pos_), total, out) != protocol::BatchError::ok) {
    error_ = Errc::corrupt_message;
    return false;
  }
  position_ = next_;
  next_ += total;
  return true;
}

}  // namespace fjord::storage
