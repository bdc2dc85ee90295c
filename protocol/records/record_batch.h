#pragma once
// Zero-copy view over one magic-2 RecordBatch as it sits in a request buffer
// or a segment file. Header accessors read the bytes in place; the only
// writes are the in-place rewrites a broker does (base offset, leader epoch,
// LogAppendTime). Layout (offsets in bytes):
//   0 baseOffset i64 | 8 batchLength i32 | 12 partitionLeaderEpoch i32 |
//  16 magic i8 | 17 crc u32 | 21 attributes i16 | 23 lastOffsetDelta i32 |
//  27 baseTimestamp i64 | 35 maxTimestamp i64 | 43 producerId i64 |
//  51 producerEpoch i16 | 53 baseSequence i32 | 57 recordCount i32 | 61 records
// The CRC-32C covers attributes..end, so baseOffset and leader epoch can be
// rewritten without recomputing it.
#include <cstddef>
#include <cstdint>

namespace fjord::protocol {

enum class Compression : int8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

enum class BatchError : int8_t {
  ok = 0,
  truncated,       // fewer bytes than the header or batchLength says
  bad_length,      // batchLength smaller than a header or absurd
  bad_magic,       // magic is not 2
  bad_crc,         // CRC-32C mismatch
  bad_compression, // unknown codec id or data that does not decompress
  bad_records,     // record framing inside the batch is inconsistent
};
const char* to_string(BatchError e);

inline constexpr size_t kLogOverhead = 12;        // baseOffset + batchLength
inline constexpr size_t kBatchHeaderSize = 61;    // up to and including recordCount
inline constexpr size_t kBatchLengthOffset = 8;
inline constexpr size_t kMagicOffset = 16;
inline constexpr size_t kCrcOffset = 17;
inline constexpr size_t kAttributesOffset = 21;

namespace detail {
inline uint64_t load_be(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}
inline void store_be(uint8_t* p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) { p[i] = uint8_t(v); v >>= 8; }
}
// Offsets and timestamps come from the wire; adding or subtracting them must
// wrap rather than be signed-overflow UB on hostile input.
inline int64_t wrapping_add(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }
inline int64_t wrapping_sub(int64_t a, int64_t b) { return int64_t(uint64_t(a) - uint64_t(b)); }
}  // namespace detail

class RecordBatchView {
 public:
  RecordBatchView() = default;
  RecordBatchView(uint8_t* data, size_t size) : data_(data), size_(size) {}

  // Checks that data[0..size) starts with a complete magic-2 batch header
  // and that batchLength fits; does not check the CRC. On success *out views
  // exactly that batch (total_size() bytes, possibly less than size).
  static BatchError parse(uint8_t* data, size_t size, RecordBatchView* out);

  uint8_t* data() const { return data_; }
  size_t total_size() const { return kLogOverhead + static_cast<size_t>(batch_length()); }

  int64_t base_offset() const { return int64_t(detail::load_be(data_, 8)); }
  int32_t batch_length() const { return int32_t(detail::load_be(data_ + 8, 4)); }
  int32_t partition_leader_epoch() const { return int32_t(detail::load_be(data_ + 12, 4)); }
  int8_t magic() const { return int8_t(data_[16]); }
  uint32_t crc() const { return uint32_t(detail::load_be(data_ + 17, 4)); }
  int16_t attributes() const { return int16_t(detail::load_be(data_ + 21, 2)); }
  int32_t last_offset_delta() const { return int32_t(detail::load_be(data_ + 23, 4)); }
  int64_t base_timestamp() const { return int64_t(detail::load_be(data_ + 27, 8)); }
  int64_t max_timestamp() const { return int64_t(detail::load_be(data_ + 35, 8)); }
  int64_t producer_id() const { return int64_t(detail::load_be(data_ + 43, 8)); }
  int16_t producer_epoch() const { return int16_t(detail::load_be(data_ + 51, 2)); }
  int32_t base_sequence() const { return int32_t(detail::load_be(data_ + 53, 4)); }
  int32_t record_count() const { return int32_t(detail::load_be(data_ + 57, 4)); }

  Compression compression() const { return Compression(attributes() & 0x7); }
  bool log_append_time() const { return attributes() & 0x8; }
  bool transactional() const { return attributes() & 0x10; }
  bool control() const { return attributes() & 0x20; }
  int64_t last_offset() const { return detail::wrapping_add(base_offset(), last_offset_delta()); }

  // CRC-32C over attributes..end compared with the stored crc.
  bool crc_valid() const;

  void set_base_offset(int64_t v) { detail::store_be(data_, uint64_t(v), 8); }
  void set_partition_leader_epoch(int32_t v) { detail::store_be(data_ + 12, uint32_t(v), 4); }
  // Sets the timestamp type to LogAppendTime with max_timestamp = ts and
  // recomputes the CRC (Kafka's DefaultRecordBatch.setMaxTimestamp).
  void set_log_append_time(int64_t ts);
  // Sets the timestamp type to CreateTime with max_timestamp = ts and
  // recomputes the CRC; a no-op when both are already so (as Kafka's).
  void set_create_time_max_timestamp(int64_t ts);

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace fjord::protocol
