#pragma once
// Bounds-checked cursor for the record-level fields inside a batch (zig-zag
// varints, nullable varint-length bytes). Same rules as Reader::varint /
// varlong, with one- and two-byte fast paths: record fields are mostly small, and
// this loop runs for every field of every record on the produce path.
#include <cstddef>
#include <cstdint>

#include "protocol/records/record_reader.h"

namespace fjord::protocol::detail {

class RecordCursor {
 public:
  RecordCursor(const uint8_t* p, const uint8_t* end) : p_(p), end_(end) {}

  bool ok() const { return ok_; }
  const uint8_t* position() const { return p_; }
  size_t remaining() const { return size_t(end_ - p_); }
  void fail() { ok_ = false; p_ = end_; }

  int8_t i8() {
    if (p_ == end_) { fail(); return 0; }
    return int8_t(*p_++);
  }
  int32_t varint() {
    uint32_t v = uvarint();
    return int32_t((v >> 1) ^ (~(v & 1) + 1));
  }
  int64_t varlong() {
    uint64_t v = uvarlong();
    return int64_t((v >> 1) ^ (~(v & 1) + 1));
  }
  // A nullable byte string: varint length (-1 = null) then the bytes.
  Bytes nullable_bytes() {
    int32_t n = varint();
    if (!ok_ || n < -1 || (n > 0 && size_t(n) > remaining())) { fail(); return {}; }
    if (n < 0) return {};
    const uint8_t* start = p_;
    p_ += n;
    return Bytes{start, n};
  }

 private:
  uint32_t uvarint() {
    if (end_ - p_ >= 2) {  // the common lengths and deltas: one or two bytes
      if (p_[0] < 0x80) return *p_++;
      if (p_[1] < 0x80) {
        const uint32_t v = uint32_t(p_[0] & 0x7f) | uint32_t(p_[1]) << 7;
        p_ += 2;
        return v;
      }
    }
    uint32_t value = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
      if (p_ == end_) { fail(); return 0; }
      uint8_t b = *p_++;
      value |= uint32_t(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        if (shift == 28 && (b & 0x70)) break;  // overflows 32 bits
        return value;
      }
    }
    fail();
    return 0;
  }
  uint64_t uvarlong() {
    if (end_ - p_ >= 2) {
      if (p_[0] < 0x80) return *p_++;
      if (p_[1] < 0x80) {
        const uint64_t v = uint64_t(p_[0] & 0x7f) | uint64_t(p_[1]) << 7;
        p_ += 2;
        return v;
      }
    }
    uint64_t value = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (p_ == end_) { fail(); return 0; }
      uint8_t b = *p_++;
      value |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
    }
    fail();
    return 0;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace fjord::protocol::detail
