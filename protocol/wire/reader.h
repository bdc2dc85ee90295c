#pragma once
// Bounds-checked big-endian reader over a request buffer. Errors are sticky
// values: after the first failed read every read returns zero and ok() is
// false, so decoders check once at the end instead of after every field.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/wire/uuid.h"

namespace fjord::protocol {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : begin_(data), cur_(data), end_(data + size) {}

  bool ok() const { return ok_; }
  void fail() { ok_ = false; cur_ = end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - cur_); }
  size_t position() const { return static_cast<size_t>(cur_ - begin_); }
  const uint8_t* cursor() const { return cur_; }

  // Returns a pointer to n bytes and advances, or nullptr (and fails) if short.
  const uint8_t* take(size_t n) {
    if (!ok_ || remaining() < n) { fail(); return nullptr; }
    const uint8_t* p = cur_;
    cur_ += n;
    return p;
  }
  void skip(size_t n) { take(n); }

  int8_t i8() { auto p = take(1); return p ? static_cast<int8_t>(p[0]) : 0; }
  bool boolean() { return i8() != 0; }
  int16_t i16() { return static_cast<int16_t>(u16()); }
  uint16_t u16() {
    auto p = take(2);
    return p ? static_cast<uint16_t>((p[0] << 8) | p[1]) : 0;
  }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  uint32_t u32() {
    auto p = take(4);
    return p ? (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3] : 0;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  uint64_t u64() {
    uint64_t hi = u32();
    return (hi << 32) | u32();
  }
  double f64() {
    uint64_t bits = u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  Uuid uuid() {
    Uuid u;
    if (auto p = take(16)) std::memcpy(u.bytes.data(), p, 16);
    return u;
  }

  // Unsigned LEB128 varint, at most 5 bytes for 32 bits (Kafka rejects longer).
  uint32_t uvarint() {
    uint32_t value = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
      auto p = take(1);
      if (!p) return 0;
      value |= uint32_t(p[0] & 0x7f) << shift;
      if (!(p[0] & 0x80)) {
        if (shift == 28 && (p[0] & 0x70)) break;  // overflows 32 bits
        return value;
      }
    }
    fail();
    return 0;
  }
  uint64_t uvarlong() {
    uint64_t value = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      auto p = take(1);
      if (!p) return 0;
      value |= uint64_t(p[0] & 0x7f) << shift;
      if (!(p[0] & 0x80)) return value;
    }
    fail();
    return 0;
  }
  // Zig-zag signed varints, used inside record batches.
  int32_t varint() {
    uint32_t v = uvarint();
    return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  int64_t varlong() {
    uint64_t v = uvarlong();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }

  // Length prefixes. Return -1 for null, -2 (and fail) when malformed or
  // longer than the remaining buffer.
  int64_t classic_len16() { return check_len(i16()); }
  int64_t classic_len32() { return check_len(i32()); }
  int64_t compact_len() { return check_len(static_cast<int64_t>(uvarint()) - 1); }
  // Array element counts: each element takes at least min_element_size bytes,
  // so a count larger than remaining()/min_element_size is malformed.
  int64_t classic_count() { return check_count(i32()); }
  int64_t compact_count() { return check_count(static_cast<int64_t>(uvarint()) - 1); }

  // Kafka's strings are at most 32767 bytes in every version: a longer
  // compact one is malformed, as Kafka's generated readers say.
  static constexpr int64_t kMaxStringLength = 0x7fff;

  std::string string(bool compact) {
    int64_t n = compact ? compact_len() : classic_len16();
    if (n > kMaxStringLength) { fail(); return {}; }
    if (n < 0) { if (n == -1) fail(); return {}; }  // null where not nullable
    auto p = take(static_cast<size_t>(n));
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }
  std::optional<std::string> nullable_string(bool compact) {
    int64_t n = compact ? compact_len() : classic_len16();
    if (n > kMaxStringLength) { fail(); return std::nullopt; }
    if (n < 0) return std::nullopt;
    auto p = take(static_cast<size_t>(n));
    if (!p) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
  }

 private:
  int64_t check_len(int64_t n) {
    if (!ok_) return -2;
    if (n < -1 || (n > 0 && static_cast<uint64_t>(n) > remaining())) { fail(); return -2; }
    return n;
  }
  int64_t check_count(int64_t n) {
    if (!ok_) return -2;
    if (n < -1 || (n > 0 && static_cast<uint64_t>(n) > remaining())) { fail(); return -2; }
    return n;
  }

  const uint8_t* begin_;
  const uint8_t* cur_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace fjord::protocol
