#include "protocol/records/record_reader.h"

#include <span>

#include "protocol/records/compression/compression.h"
#include "protocol/records/record_cursor.h"

namespace fjord::protocol {
bool HeaderIterator::next(RecordHeader* out) {
  if (left_ <= 0) return false;
  --left_;
  detail::RecordCursor c(cur_, end_);
  out->key = c.nullable_bytes();
  out->value = c.nullable_bytes();
  cur_ = c.position();
  if (!c.ok()) left_ = 0;
  return c.ok();
}

bool Record::header(int32_t index, RecordHeader* out) const {
  if (index < 0 || index >= header_count) return false;
  HeaderIterator it = header_iterator();
  for (int32_t i = 0; i <= index; ++i)
    if (!it.next(out)) return false;
  return true;
}

BatchError RecordReader::open(const RecordBatchView& batch, std::vector<uint8_t>& scratch,
                              size_t max_decompressed) {
  *this = RecordReader();
  base_offset_ = batch.base_offset();
  base_timestamp_ = batch.base_timestamp();
  log_append_ = batch.log_append_time();
  log_append_time_ = batch.max_timestamp();
  left_ = batch.record_count();
  if (left_ < 0) { error_ = BatchError::bad_records; left_ = 0; return error_; }
  const uint8_t* area = batch.data() + kBatchHeaderSize;
  size_t area_size = batch.total_size() - kBatchHeaderSize;
  int compression = batch.attributes() & 0x7;
  if (compression > int(Compression::zstd)) { error_ = BatchError::bad_compression; left_ = 0; return error_; }
  if (compression == int(Compression::none)) {
    begin_ = cur_ = area;
    end_ = area + area_size;
    return BatchError::ok;
  }
  size_t size = 0;
  CodecError e = decompress_into(Compression(compression), std::span<const uint8_t>(area, area_size), scratch,
                                 &size, max_decompressed);
  if (e != CodecError::ok) { error_ = BatchError::bad_compression; left_ = 0; return error_; }
  begin_ = cur_ = scratch.data();
  end_ = scratch.data() + size;
  return BatchError::ok;
}

bool RecordReader::next(Record* out) {
  if (error_ != BatchError::ok) return false;
  if (left_ == 0) {
    if (cur_ != end_) return fail();  // bytes beyond record_count records
    return false;
  }
  detail::RecordCursor outer(cur_, end_);
  int32_t length = outer.varint();
  if (!outer.ok() || length < 0 || size_t(length) > outer.remaining()) return fail();
  const uint8_t* record_end = outer.position() + length;
  detail::RecordCursor c(outer.position(), record_end);
  out->attributes = c.i8();
  out->timestamp_delta = c.varlong();
  out->offset_delta = c.varint();
  out->key = c.nullable_bytes();
  out->value = c.nullable_bytes();
  int32_t count = c.varint();
  // Each header takes at least two bytes (two varint lengths).
  if (!c.ok() || count < 0 || size_t(count) > c.remaining() / 2) return fail();
  out->header_count = count;
  out->headers = c.position();
  for (int32_t i = 0; i < count; ++i) {
    if (c.nullable_bytes().is_null()) return fail();  // header keys are never null
    c.nullable_bytes();
  }
  if (!c.ok() || c.position() != record_end) return fail();
  out->headers_size = size_t(record_end - out->headers);
  out->offset = detail::wrapping_add(base_offset_, out->offset_delta);
  out->timestamp = log_append_ ? log_append_time_ : detail::wrapping_add(base_timestamp_, out->timestamp_delta);
  cur_ = record_end;
  --left_;
  ++read_;
  return true;
}

}  // namespace fjord::protocol
