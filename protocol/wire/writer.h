#pragma once
// Big-endian writer into a growable buffer. Record data that lives in a
// segment file is not copied: file_slice() notes a splice point, and the
// transport sends buffer bytes and file slices (with sendfile) in order.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/wire/uuid.h"

namespace fjord::protocol {

// A byte range of an open segment file, served with sendfile; or, when
// `memory` is set, the same bytes still held in memory (a log's unwritten
// tail), written from there.
struct FileSlice {
  int fd = -1;
  uint64_t position = 0;
  uint32_t length = 0;
  const uint8_t* memory = nullptr;
};

class Writer {
 public:
  struct Splice {
    size_t buffer_offset;  // file bytes go before buffer()[buffer_offset]
    FileSlice slice;
  };

  Writer() = default;
  explicit Writer(size_t reserve) { buf_.reserve(reserve); }

  const std::vector<uint8_t>& buffer() const { return buf_; }
  std::vector<uint8_t>& buffer() { return buf_; }
  const std::vector<Splice>& splices() const { return splices_; }
  // Total encoded length: buffered bytes plus file slices.
  size_t size() const { return buf_.size() + spliced_bytes_; }
  void clear() { buf_.clear(); splices_.clear(); spliced_bytes_ = 0; }

  void raw(const void* p, size_t n) {
    if (n == 0) return;
    auto b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  void i8(int8_t v) { buf_.push_back(static_cast<uint8_t>(v)); }
  void boolean(bool v) { i8(v ? 1 : 0); }
  void i16(int16_t v) { u16(static_cast<uint16_t>(v)); }
  void u16(uint16_t v) {
    uint8_t b[2] = {uint8_t(v >> 8), uint8_t(v)};
    raw(b, 2);
  }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void u32(uint32_t v) {
    uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    raw(b, 4);
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void u64(uint64_t v) { u32(uint32_t(v >> 32)); u32(uint32_t(v)); }
  void f64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    u64(bits);
  }
  void uuid(const Uuid& u) { raw(u.bytes.data(), 16); }
  void uvarint(uint32_t v) {
    while (v >= 0x80) { buf_.push_back(uint8_t(v | 0x80)); v >>= 7; }
    buf_.push_back(uint8_t(v));
  }
  void uvarlong(uint64_t v) {
    while (v >= 0x80) { buf_.push_back(uint8_t(v | 0x80)); v >>= 7; }
    buf_.push_back(uint8_t(v));
  }
  void varint(int32_t v) { uvarint((uint32_t(v) << 1) ^ uint32_t(v >> 31)); }
  void varlong(int64_t v) { uvarlong((uint64_t(v) << 1) ^ uint64_t(v >> 63)); }

  // Length prefixes; n == -1 writes null.
  void classic_len16(int64_t n) { i16(static_cast<int16_t>(n)); }
  void classic_len32(int64_t n) { i32(static_cast<int32_t>(n)); }
  void compact_len(int64_t n) { uvarint(static_cast<uint32_t>(n + 1)); }

  void string(std::string_view s, bool compact) {
    compact ? compact_len(static_cast<int64_t>(s.size())) : classic_len16(static_cast<int64_t>(s.size()));
    raw(s.data(), s.size());
  }
  void nullable_string(const std::optional<std::string>& s, bool compact) {
    if (!s) { compact ? compact_len(-1) : classic_len16(-1); return; }
    string(*s, compact);
  }

  void file_slice(const FileSlice& s) {
    if (s.length == 0) return;
    splices_.push_back({buf_.size(), s});
    spliced_bytes_ += s.length;
  }

  // Patches a big-endian int32 written earlier (e.g. a frame size).
  void patch_i32(size_t offset, int32_t v) {
    uint32_t u = static_cast<uint32_t>(v);
    buf_[offset] = uint8_t(u >> 24);
    buf_[offset + 1] = uint8_t(u >> 16);
    buf_[offset + 2] = uint8_t(u >> 8);
    buf_[offset + 3] = uint8_t(u);
  }

 private:
  std::vector<uint8_t> buf_;
  std::vector<Splice> splices_;
  size_t spliced_bytes_ = 0;
};

// Encoded sizes of the primitives, for size(version).
inline size_t uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) { v >>= 7; ++n; }
  return n;
}
inline size_t varint_size(int32_t v) { return uvarint_size((uint32_t(v) << 1) ^ uint32_t(v >> 31)); }
inline size_t varlong_size(int64_t v) { return uvarint_size((uint64_t(v) << 1) ^ uint64_t(v >> 63)); }

}  // namespace fjord::protocol
