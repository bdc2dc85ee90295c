#pragma once
// Iteration over the records of one magic-2 batch. Everything a Record
// yields points into the batch (uncompressed) or into the caller's scratch
// buffer (compressed batches are decompressed into it once, on open). The
// scratch vector is reused across batches, so steady-state iteration does
// not allocate.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/records/record_batch.h"
#include "protocol/wire/reader.h"  // kept: includers may rely on it

namespace fjord::protocol {

// Refuse to inflate one batch beyond this unless the caller says otherwise.
inline constexpr size_t kDefaultMaxDecompressedBytes = size_t{128} << 20;

// A nullable byte string inside a record; size -1 means null.
struct Bytes {
  const uint8_t* data = nullptr;
  int32_t size = -1;

  bool is_null() const { return size < 0; }
  size_t length() const { return size < 0 ? 0 : size_t(size); }
  std::string_view view() const { return {reinterpret_cast<const char*>(data), length()}; }
};

struct RecordHeader {
  Bytes key;  // never null in a valid record
  Bytes value;
};

// Walks the encoded headers of one record (already validated by the reader).
class HeaderIterator {
 public:
  HeaderIterator(const uint8_t* data, size_t size, int32_t count) : cur_(data), end_(data + size), left_(count) {}
  bool next(RecordHeader* out);

 private:
  const uint8_t* cur_;
  const uint8_t* end_;
  int32_t left_;
};

struct Record {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  int64_t offset = 0;     // batch base offset + offset_delta
  int64_t timestamp = 0;  // base timestamp + delta, or max timestamp for LogAppendTime batches
  Bytes key;
  Bytes value;
  int32_t header_count = 0;
  const uint8_t* headers = nullptr;  // encoded headers, header_count of them
  size_t headers_size = 0;

  HeaderIterator header_iterator() const { return {headers, headers_size, header_count}; }
  // Linear scan; fine for the handful of headers records carry.
  bool header(int32_t index, RecordHeader* out) const;
};

class RecordReader {
 public:
  // Prepares iteration. For compressed batches this decompresses into
  // `scratch` (cleared first; its capacity is kept). Returns
  // bad_compression if the codec is unknown, the data does not decompress,
  // or it would exceed max_decompressed. Does not check the CRC.
  BatchError open(const RecordBatchView& batch, std::vector<uint8_t>& scratch,
                  size_t max_decompressed = kDefaultMaxDecompressedBytes);

  // Yields the next record; false at the end or on malformed framing (then
  // error() says which). The end is clean only if exactly record_count
  // records filled the record area.
  bool next(Record* out);
  BatchError error() const { return error_; }
  int32_t records_read() const { return read_; }
  // Bytes of record data (decompressed size for compressed batches).
  size_t records_size() const { return size_t(end_ - begin_); }

 private:
  bool fail() { error_ = BatchError::bad_records; cur_ = end_; left_ = 0; return false; }

  const uint8_t* begin_ = nullptr;
  const uint8_t* cur_ = nullptr;
  const uint8_t* end_ = nullptr;
  int32_t left_ = 0;
  int32_t read_ = 0;
  int64_t base_offset_ = 0;
  int64_t base_timestamp_ = 0;
  int64_t log_append_time_ = -1;  // >= 0 only for LogAppendTime batches
  bool log_append_ = false;
  BatchError error_ = BatchError::ok;
};

}  // namespace fjord::protocol
