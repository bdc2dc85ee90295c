#include "protocol/records/record_batch_builder.h"

#include "protocol/records/compression/compression.h"
#include "protocol/records/crc32c.h"

namespace fjord::protocol {
namespace {

size_t nullable_size(const std::optional<std::string_view>& s) {
  return s ? varint_size(int32_t(s->size())) + s->size() : varint_size(-1);
}
void write_nullable(Writer& w, const std::optional<std::string_view>& s) {
  if (!s) { w.varint(-1); return; }
  w.varint(int32_t(s->size()));
  w.raw(s->data(), s->size());
}

}  // namespace

void RecordBatchBuilder::reset(BatchOptions options) {
  options_ = options;
  records_.clear();
  count_ = 0;
  last_offset_delta_ = -1;
  first_timestamp_ = -1;
  max_timestamp_ = -1;
}

void RecordBatchBuilder::add(int64_t timestamp, std::optional<std::string_view> key,
                             std::optional<std::string_view> value, std::span<const HeaderField> headers) {
  add_at(last_offset_delta_ + 1, timestamp, key, value, headers);
}

void RecordBatchBuilder::add_at(int32_t offset_delta, int64_t timestamp, std::optional<std::string_view> key,
                                std::optional<std::string_view> value, std::span<const HeaderField> headers) {
  if (count_ == 0) first_timestamp_ = timestamp;
  if (count_ == 0 || timestamp > max_timestamp_) max_timestamp_ = timestamp;
  int64_t timestamp_delta = detail::wrapping_sub(timestamp, first_timestamp_);
  size_t body = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta) + nullable_size(key) +
                nullable_size(value) + varint_size(int32_t(headers.size()));
  for (const auto& h : headers) body += varint_size(int32_t(h.key.size())) + h.key.size() + nullable_size(h.value);
  records_.varint(int32_t(body));
  records_.i8(0);  // record attributes: unused
  records_.varlong(timestamp_delta);
  records_.varint(offset_delta);
  write_nullable(records_, key);
  write_nullable(records_, value);
  records_.varint(int32_t(headers.size()));
  for (const auto& h : headers) {
    write_nullable(records_, h.key);
    write_nullable(records_, h.value);
  }
  last_offset_delta_ = offset_delta;
  ++count_;
}

void RecordBatchBuilder::add_control(int64_t timestamp, ControlType type, int32_t coordinator_epoch) {
  // Key: version i16 = 0, type i16. Value (EndTxnMarker): version i16 = 0,
  // coordinator epoch i32.
  uint8_t key[4];
  detail::store_be(key, 0, 2);
  detail::store_be(key + 2, uint16_t(type), 2);
  uint8_t value[6];
  detail::store_be(value, 0, 2);
  detail::store_be(value + 2, uint32_t(coordinator_epoch), 4);
  add(timestamp, std::string_view(reinterpret_cast<const char*>(key), 4),
      std::string_view(reinterpret_cast<const char*>(value), 6));
}

BatchError RecordBatchBuilder::finish(std::vector<uint8_t>& out) {
  size_t start = out.size();
  out.resize(start + kBatchHeaderSize);
  const auto& records = records_.buffer();
  if (options_.compression == Compression::none) {
    out.insert(out.end(), records.begin(), records.end());
  } else if (compress(options_.compression, records, out) != CodecError::ok) {
    out.resize(start);
    return BatchError::bad_compression;
  }
  uint8_t* h = out.data() + start;
  int16_t attributes = int16_t(options_.compression);
  if (options_.log_append_time) attributes |= 0x8;
  if (options_.transactional) attributes |= 0x10;
  if (options_.control) attributes |= 0x20;
  int64_t max_ts = options_.log_append_time ? *options_.log_append_time : max_timestamp_;
  detail::store_be(h, uint64_t(options_.base_offset), 8);
  detail::store_be(h + 8, uint32_t(out.size() - start - kLogOverhead), 4);
  detail::store_be(h + 12, uint32_t(options_.partition_leader_epoch), 4);
  h[16] = 2;
  detail::store_be(h + 21, uint16_t(attributes), 2);
  detail::store_be(h + 23, uint32_t(count_ == 0 ? 0 : last_offset_delta_), 4);
  detail::store_be(h + 27, uint64_t(first_timestamp_), 8);
  detail::store_be(h + 35, uint64_t(max_ts), 8);
  detail::store_be(h + 43, uint64_t(options_.producer_id), 8);
  detail::store_be(h + 51, uint16_t(options_.producer_epoch), 2);
  detail::store_be(h + 53, uint32_t(options_.base_sequence), 4);
  detail::store_be(h + 57, uint32_t(count_), 4);
  detail::store_be(h + 17, crc32c(h + kAttributesOffset, out.size() - start - kAttributesOffset), 4);
  return BatchError::ok;
}

std::vector<uint8_t> RecordBatchBuilder::build() {
  std::vector<uint8_t> out;
  finish(out);
  return out;
}

}  // namespace fjord::protocol
