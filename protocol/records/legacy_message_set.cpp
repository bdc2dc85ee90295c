#include "protocol/records/legacy_message_set.h"

#include <zlib.h>

#include <cstring>
#include <span>

#include "protocol/records/compression/compression.h"
#include "protocol/records/record_batch_builder.h"
#include "protocol/wire/reader.h"

namespace fjord::protocol {
namespace {

constexpr size_t kOffsetAndSize = 12;
constexpr int32_t kMinMessageV0 = 4 + 1 + 1 + 4 + 4;  // crc, magic, attributes, key len, value len
constexpr int32_t kMinMessageV1 = kMinMessageV0 + 8;  // + timestamp
constexpr int8_t kTimestampTypeBit = 0x08;

uint32_t crc32_of(const uint8_t* p, size_t n) {
  return uint32_t(::crc32(::crc32(0L, Z_NULL, 0), p, uInt(n)));
}

std::optional<std::string_view> as_optional(const Bytes& b) {
  if (b.is_null()) return std::nullopt;
  return b.view();
}

}  // namespace

bool LegacyMessageReader::parse(const uint8_t* p, size_t n, Parsed* out) {
  if (n < kOffsetAndSize) return fail(BatchError::truncated);
  int64_t offset = int64_t(detail::load_be(p, 8));
  int32_t size = int32_t(detail::load_be(p + 8, 4));
  if (size < kMinMessageV0) return fail(BatchError::bad_length);
  if (kOffsetAndSize + uint64_t(size) > n) return fail(BatchError::truncated);
  const uint8_t* m = p + kOffsetAndSize;
  int8_t magic = int8_t(m[4]);
  if (magic != 0 && magic != 1) return fail(BatchError::bad_magic);
  if (magic == 1 && size < kMinMessageV1) return fail(BatchError::bad_length);
  if (crc32_of(m + 4, size_t(size) - 4) != uint32_t(detail::load_be(m, 4))) return fail(BatchError::bad_crc);
  Reader r(m + 5, size_t(size) - 5);
  out->offset = offset;
  out->magic = magic;
  out->attributes = r.i8();
  out->timestamp = magic == 1 ? r.i64() : -1;
  int64_t klen = r.classic_len32();
  out->key = klen >= 0 ? Bytes{r.take(size_t(klen)), int32_t(klen)} : Bytes{};
  int64_t vlen = r.classic_len32();
  out->value = vlen >= 0 ? Bytes{r.take(size_t(vlen)), int32_t(vlen)} : Bytes{};
  if (!r.ok() || r.remaining() != 0) return fail(BatchError::bad_records);
  out->total = kOffsetAndSize + size_t(size);
  return true;
}

bool LegacyMessageReader::enter_wrapper(const Parsed& wrapper) {
  int codec = wrapper.attributes & 0x7;
  // zstd and unknown ids never existed for magic < 2.
  if (codec > int(Compression::lz4)) return fail(BatchError::bad_compression);
  if (wrapper.value.is_null()) return fail(BatchError::bad_records);
  CodecOptions options;
  if (wrapper.magic == 0) options.lz4_header = Lz4HeaderChecksum::kafka_3160_broken;
  size_t size = 0;
  if (decompress_into(Compression(codec), std::span<const uint8_t>(wrapper.value.data, wrapper.value.length()),
                      scratch_, &size, max_decompressed_, options) != CodecError::ok)
    return fail(BatchError::bad_compression);
  // Find the last inner offset to resolve v1 relative offsets; framing must
  // be exact (a partial inner message is corruption, not a cut-off tail).
  const uint8_t* p = scratch_.data();
  const uint8_t* end = p + size;
  if (p == end) return fail(BatchError::bad_records);
  int64_t last = 0;
  while (p != end) {
    if (size_t(end - p) < kOffsetAndSize) return fail(BatchError::bad_records);
    last = int64_t(detail::load_be(p, 8));
    int32_t size = int32_t(detail::load_be(p + 8, 4));
    if (size < kMinMessageV0 || uint64_t(size) > size_t(end - p) - kOffsetAndSize) return fail(BatchError::bad_records);
    p += kOffsetAndSize + size_t(size);
  }
  wrapper_ = wrapper;
  inner_offset_base_ = wrapper.magic == 1 ? detail::wrapping_sub(wrapper.offset, last) : 0;
  inner_cur_ = scratch_.data();
  inner_end_ = end;
  return true;
}

bool LegacyMessageReader::next(LegacyMessage* out) {
  for (;;) {
    if (error_ != BatchError::ok) return false;
    if (inner_cur_ != nullptr) {
      if (inner_cur_ == inner_end_) { inner_cur_ = inner_end_ = nullptr; continue; }
      Parsed m;
      if (!parse(inner_cur_, size_t(inner_end_ - inner_cur_), &m)) return false;
      if ((m.attributes & 0x7) != 0 || m.magic != wrapper_.magic) return fail(BatchError::bad_records);
      inner_cur_ += m.total;
      bool log_append = wrapper_.magic == 1 && (wrapper_.attributes & kTimestampTypeBit);
      out->offset = detail::wrapping_add(inner_offset_base_, m.offset);
      out->magic = m.magic;
      out->attributes = m.attributes;
      out->wrapper_compression = Compression(wrapper_.attributes & 0x7);
      out->timestamp = log_append ? wrapper_.timestamp : m.timestamp;
      out->log_append_time = log_append;
      out->key = m.key;
      out->value = m.value;
      return true;
    }
    if (cur_ == end_) return false;
    Parsed m;
    if (!parse(cur_, size_t(end_ - cur_), &m)) return false;
    cur_ += m.total;
    if ((m.attributes & 0x7) != 0) {
      if (!enter_wrapper(m)) return false;
      continue;
    }
    out->offset = m.offset;
    out->magic = m.magic;
    out->attributes = m.attributes;
    out->wrapper_compression = Compression::none;
    out->timestamp = m.timestamp;
    out->log_append_time = m.magic == 1 && (m.attributes & kTimestampTypeBit);
    out->key = m.key;
    out->value = m.value;
    return true;
  }
}

BatchError validate_legacy_message_set(const uint8_t* data, size_t size, std::vector<uint8_t>& scratch,
                                       size_t max_decompressed) {
  LegacyMessageReader reader(data, size, scratch, max_decompressed);
  LegacyMessage m;
  size_t count = 0;
  while (reader.next(&m)) ++count;
  if (reader.error() != BatchError::ok) return reader.error();
  return count == 0 ? BatchError::bad_records : BatchError::ok;
}

BatchError up_convert_legacy(const uint8_t* data, size_t size, std::optional<Compression> target,
                             std::vector<uint8_t>& scratch,
                             std::vector<uint8_t>& out, size_t max_decompressed) {
  // First pass validates and finds the header-level facts; the second builds.
  LegacyMessage m;
  bool first = true;
  BatchOptions options;
  options.compression = target.value_or(Compression::none);
  {
    LegacyMessageReader reader(data, size, scratch, max_decompressed);
    while (reader.next(&m)) {
      if (first) options.base_offset = m.offset;
      if (first && !target) options.compression = m.wrapper_compression;
      first = false;
      if (m.log_append_time) options.log_append_time = m.timestamp;
    }
    if (reader.error() != BatchError::ok) return reader.error();
    if (first) return BatchError::bad_records;
  }
  RecordBatchBuilder builder(options);
  LegacyMessageReader reader(data, size, scratch, max_decompressed);
  int32_t last_delta = -1;
  while (reader.next(&m)) {
    int64_t delta = detail::wrapping_sub(m.offset, options.base_offset);
    int32_t d = (delta > last_delta && delta <= INT32_MAX) ? int32_t(delta) : last_delta + 1;
    builder.add_at(d, m.timestamp, as_optional(m.key), as_optional(m.value));
    last_delta = d;
  }
  if (reader.error() != BatchError::ok) return reader.error();
  return builder.finish(out);
}

BatchError down_convert_to_legacy(const uint8_t* data, size_t size, int8_t magic, std::vector<uint8_t>& scratch,
                                  std::vector<uint8_t>& out, size_t max_decompressed) {
  if (magic != 0 && magic != 1) return BatchError::bad_magic;
  size_t pos = 0;
  while (pos < size) {
    RecordBatchView batch;
    // The view's setters are never called here: the input is only read
    // (it may be a log tail other fetches are sending at the same time).
    BatchError e = RecordBatchView::parse(const_cast<uint8_t*>(data) + pos, size - pos, &batch);
    if (e == BatchError::truncated) break;  // partial tail of fetch data
    if (e != BatchError::ok) return e;
    pos += batch.total_size();
    if (batch.control()) continue;
    RecordReader reader;
    if ((e = reader.open(batch, scratch, max_decompressed)) != BatchError::ok) return e;
    int8_t attributes = (magic == 1 && batch.log_append_time()) ? kTimestampTypeBit : 0;
    Record r;
    while (reader.next(&r)) {
      size_t body = 4 + 1 + 1 + (magic == 1 ? 8 : 0) + 4 + r.key.length() + 4 + r.value.length();
      size_t start = out.size();
      out.resize(start + kOffsetAndSize + body);
      uint8_t* w = out.data() + start;
      detail::store_be(w, uint64_t(r.offset), 8);
      detail::store_be(w + 8, uint32_t(body), 4);
      uint8_t* m = w + kOffsetAndSize;
      uint8_t* q = m + 4;
      *q++ = uint8_t(magic);
      *q++ = uint8_t(attributes);
      if (magic == 1) { detail::store_be(q, uint64_t(r.timestamp), 8); q += 8; }
      for (const Bytes* b : {&r.key, &r.value}) {
        detail::store_be(q, uint32_t(b->size), 4);
        q += 4;
        if (b->size > 0) { std::memcpy(q, b->data, b->length()); q += b->length(); }
      }
      detail::store_be(m, crc32_of(m + 4, body - 4), 4);
    }
    if (reader.error() != BatchError::ok) return reader.error();
  }
  return BatchError::ok;
}

}  // namespace fjord::protocol
