#pragma once
// Magic 0/1 message sets (Kafka before 0.11), for old clients' Produce v0-2
// and Fetch v0-3. Message layout:
//   offset i64 | size i32 | crc u32 | magic i8 | attributes i8 |
//   [timestamp i64, magic 1] | key bytes (i32 length) | value bytes
// The CRC is plain CRC-32 (zlib) over magic..end. A compressed message (a
// "wrapper") holds an uncompressed inner message set as its value; its
// offset is that of the last inner message, and in magic 1 the inner
// offsets are relative (0..n-1).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "protocol/records/record_batch.h"
#include "protocol/records/record_reader.h"

namespace fjord::protocol {

struct LegacyMessage {
  int64_t offset = 0;      // absolute (relative inner offsets resolved)
  int8_t magic = 0;
  int8_t attributes = 0;   // of the message itself (inner messages are uncompressed)
  Compression wrapper_compression = Compression::none;  // codec of the enclosing wrapper, if any
  int64_t timestamp = -1;  // -1 for magic 0; the wrapper's for LogAppendTime wrappers
  bool log_append_time = false;
  Bytes key;
  Bytes value;
};

// Iterates a message set, flattening compressed wrappers (decompressed into
// the caller's reusable scratch; key/value of inner messages stay valid until
// the next wrapper is entered). Every CRC, outer and inner, is checked.
// A message set must end exactly at a message boundary: a trailing partial
// message is reported as truncated (callers reading fetch-style data that
// may be cut short can treat a truncated tail as the end).
class LegacyMessageReader {
 public:
  LegacyMessageReader(const uint8_t* data, size_t size, std::vector<uint8_t>& scratch,
                      size_t max_decompressed = kDefaultMaxDecompressedBytes)
      : cur_(data), end_(data + size), scratch_(scratch), max_decompressed_(max_decompressed) {}

  bool next(LegacyMessage* out);
  BatchError error() const { return error_; }

 private:
  struct Parsed {
    int64_t offset;
    int8_t magic;
    int8_t attributes;
    int64_t timestamp;
    Bytes key;
    Bytes value;
    size_t total;  // bytes including offset and size fields
  };
  // Parses and CRC-checks the message at p; error_ is set on failure.
  bool parse(const uint8_t* p, size_t n, Parsed* out);
  bool enter_wrapper(const Parsed& wrapper);
  bool fail(BatchError e) { error_ = e; cur_ = end_; inner_cur_ = inner_end_ = nullptr; return false; }

  const uint8_t* cur_;
  const uint8_t* end_;
  std::vector<uint8_t>& scratch_;
  size_t max_decompressed_;
  // Inner set of the current wrapper, if any.
  const uint8_t* inner_cur_ = nullptr;
  const uint8_t* inner_end_ = nullptr;
  int64_t inner_offset_base_ = 0;  // absolute = base + inner offset (v1); 0 for v0
  Parsed wrapper_{};
  BatchError error_ = BatchError::ok;
};

// Validates a whole legacy message set (every CRC, framing, decompression,
// no nested compression, inner magic equal to the wrapper's).
BatchError validate_legacy_message_set(const uint8_t* data, size_t size, std::vector<uint8_t>& scratch,
                                       size_t max_decompressed = kDefaultMaxDecompressedBytes);

// Converts a legacy message set into one magic-2 batch appended to `out`
// (what Kafka does when an old producer writes to a v2 log). Timestamps:
// magic 0 messages get -1 (no timestamp). Offsets: the batch's base offset
// is the first message's; deltas follow the message offsets when they
// increase, else 0..n-1 (the broker assigns offsets anyway).
// `target` is the batch's codec; nullopt keeps the producer's (that of the
// first compressed wrapper, else none), as Kafka does with compression.type=producer.
BatchError up_convert_legacy(const uint8_t* data, size_t size, std::optional<Compression> target,
                             std::vector<uint8_t>& scratch,
                             std::vector<uint8_t>& out,
                             size_t max_decompressed = kDefaultMaxDecompressedBytes);

// Converts magic-2 batches (as stored, e.g. a fetch response's records)
// into an uncompressed magic 0 or 1 message set appended to `out`, for
// Fetch v0-3 readers. Output is never compressed: old clients read plain
// messages fine and it avoids re-compressing on the fetch path. Headers are
// dropped (the old format cannot carry them) and control batches skipped,
// as Kafka does. A trailing partial batch ends the conversion (fetch data
// may be cut at max_bytes); anything else malformed is an error.
BatchError down_convert_to_legacy(const uint8_t* data, size_t size, int8_t magic, std::vector<uint8_t>& scratch,
                                  std::vector<uint8_t>& out,
                                  size_t max_decompressed = kDefaultMaxDecompressedBytes);

}  // namespace fjord::protocol
