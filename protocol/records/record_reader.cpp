#include "protocol/records/record_reader.h"

#include <span>

#include "protocol/records/compression/compression.h"

namespace fjord::protocol {
namespace {

// Reads a zig-zag varint length: -1 (null) or 0..remaining. Anything else
// fails the reader.
int32_t nullable_length(Reader& r) {
  int32_t n = r.varint();
  if (!r.ok() || n < -1 || (n > 0 && size_t(n) > r.remaining())) { r.fail(); return -2; }
  return n;
}

Bytes take_bytes(Reader& r, int32_t n) {
  if (n < 0) return {};
  const uint8_t* p = r.take(size_t(n));
  return Bytes{p, p ? n : -1};
}

}  // namespace

bool HeaderIterator::next(RecordHeader* out) {
  if (left_ <= 0) return false;
  --left_;
  int32_t klen = nullable_length(reader_);
  out->key = take_bytes(reader_, klen);
  int32_t vlen = nullable_length(reader_);
  out->value = take_bytes(reader_, vlen);
  return reader_.ok();
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
  scratch.clear();
  CodecError e = decompress(Compression(compression), std::span<const uint8_t>(area, area_size), scratch,
                            max_decompressed);
  if (e != CodecError::ok) { error_ = BatchError::bad_compression; left_ = 0; return error_; }
  begin_ = cur_ = scratch.data();
  end_ = scratch.data() + scratch.size();
  return BatchError::ok;
}

bool RecordReader::next(Record* out) {
  if (error_ != BatchError::ok) return false;
  if (left_ == 0) {
    if (cur_ != end_) return fail();  // bytes beyond record_count records
    return false;
  }
  Reader outer(cur_, size_t(end_ - cur_));
  int32_t length = outer.varint();
  if (!outer.ok() || length < 0 || size_t(length) > outer.remaining()) return fail();
  Reader r(outer.cursor(), size_t(length));
  out->attributes = r.i8();
  out->timestamp_delta = r.varlong();
  out->offset_delta = r.varint();
  out->key = take_bytes(r, nullable_length(r));
  out->value = take_bytes(r, nullable_length(r));
  int32_t count = r.varint();
  // Each header takes at least two bytes (two varint lengths).
  if (!r.ok() || count < 0 || size_t(count) > r.remaining() / 2) return fail();
  out->header_count = count;
  out->headers = r.cursor();
  for (int32_t i = 0; i < count; ++i) {
    int32_t klen = nullable_length(r);
    if (klen < 0) return fail();  // header keys are never null
    r.skip(size_t(klen));
    int32_t vlen = nullable_length(r);
    if (vlen > 0) r.skip(size_t(vlen));
  }
  if (!r.ok() || r.remaining() != 0) return fail();
  out->headers_size = size_t(r.cursor() - out->headers);
  out->offset = detail::wrapping_add(base_offset_, out->offset_delta);
  out->timestamp = log_append_ ? log_append_time_ : detail::wrapping_add(base_timestamp_, out->timestamp_delta);
  cur_ = r.cursor();
  --left_;
  ++read_;
  return true;
}

}  // namespace fjord::protocol
