#include "protocol/records/record_batch.h"

#include "protocol/records/crc32c.h"

namespace fjord::protocol {

const char* to_string(BatchError e) {
  switch (e) {
    case BatchError::ok: return "ok";
    case BatchError::truncated: return "record batch is truncated";
    case BatchError::bad_length: return "record batch length is invalid";
    case BatchError::bad_magic: return "unsupported record batch magic";
    case BatchError::bad_crc: return "record batch CRC mismatch";
    case BatchError::bad_compression: return "record batch compression is invalid or does not decompress";
    case BatchError::bad_records: return "records inside the batch are malformed";
  }
  return "unknown batch error";
}

BatchError RecordBatchView::parse(uint8_t* data, size_t size, RecordBatchView* out) {
  // Magic first: legacy message sets carry their magic at the same offset,
  // so callers can tell the formats apart from a short buffer.
  if (data == nullptr || size <= kMagicOffset) return BatchError::truncated;
  if (data[kMagicOffset] != 2) return BatchError::bad_magic;
  if (size < kBatchHeaderSize) return BatchError::truncated;
  int64_t length = int32_t(detail::load_be(data + kBatchLengthOffset, 4));
  if (length < int64_t(kBatchHeaderSize - kLogOverhead)) return BatchError::bad_length;
  if (kLogOverhead + uint64_t(length) > size) return BatchError::truncated;
  *out = RecordBatchView(data, kLogOverhead + size_t(length));
  return BatchError::ok;
}

bool RecordBatchView::crc_valid() const {
  size_t n = total_size();
  if (n < kBatchHeaderSize || n > size_) return false;
  return crc32c(data_ + kAttributesOffset, n - kAttributesOffset) == crc();
}

void RecordBatchView::set_log_append_time(int64_t ts) {
  detail::store_be(data_ + kAttributesOffset, uint16_t(attributes() | 0x8), 2);
  detail::store_be(data_ + 35, uint64_t(ts), 8);
  detail::store_be(data_ + kCrcOffset, crc32c(data_ + kAttributesOffset, total_size() - kAttributesOffset), 4);
}

void RecordBatchView::set_create_time_max_timestamp(int64_t ts) {
  if (!log_append_time() && max_timestamp() == ts) return;
  detail::store_be(data_ + kAttributesOffset, uint16_t(attributes() & ~0x8), 2);
  detail::store_be(data_ + 35, uint64_t(ts), 8);
  detail::store_be(data_ + kCrcOffset, crc32c(data_ + kAttributesOffset, total_size() - kAttributesOffset), 4);
}

}  // namespace fjord::protocol
