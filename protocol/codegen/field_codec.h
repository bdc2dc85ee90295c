#pragma once
// Codecs for the Kafka field encodings that Reader/Writer do not cover
// directly: bytes, records, array lengths and their encoded sizes. Used by the
// code that generate.py writes; every function is an error value, never an
// exception, and never reads past the Reader's bounds.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/wire/reader.h"
#include "protocol/wire/records.h"
#include "protocol/wire/writer.h"

namespace fjord::protocol::codec {

// --- length prefixes -------------------------------------------------------

// Encoded size of a string length prefix (int16 classic, uvarint N+1 compact).
inline size_t string_prefix_size(int64_t n, bool flexible) {
  return flexible ? uvarint_size(static_cast<uint64_t>(n + 1)) : 2;
}
// Encoded size of a bytes/array length prefix (int32 classic, uvarint N+1 compact).
inline size_t length32_prefix_size(int64_t n, bool flexible) {
  return flexible ? uvarint_size(static_cast<uint64_t>(n + 1)) : 4;
}

inline size_t string_size(std::string_view s, bool flexible) {
  return string_prefix_size(static_cast<int64_t>(s.size()), flexible) + s.size();
}
inline size_t nullable_string_size(const std::optional<std::string>& s, bool flexible) {
  return s ? string_size(*s, flexible) : string_prefix_size(-1, flexible);
}
inline std::string_view or_empty(const std::optional<std::string>& s) {
  return s ? std::string_view(*s) : std::string_view();
}

// --- arrays ----------------------------------------------------------------

// Reads an array length: -1 for null, -2 (reader failed) when malformed.
// Each element needs at least min_element_size bytes, so a count the
// remaining bytes cannot hold is rejected before anything is allocated.
inline int64_t read_array_length(Reader& r, bool flexible, size_t min_element_size) {
  int64_t n = flexible ? r.compact_count() : r.classic_count();
  if (n > 0 && static_cast<uint64_t>(n) > r.remaining() / (min_element_size ? min_element_size : 1)) {
    r.fail();
    return -2;
  }
  return n;
}
inline void write_array_length(Writer& w, bool flexible, int64_t n) {
  flexible ? w.compact_len(n) : w.classic_len32(n);
}

// --- bytes -----------------------------------------------------------------

inline void read_bytes(Reader& r, bool flexible, std::vector<uint8_t>& out) {
  int64_t n = flexible ? r.compact_len() : r.classic_len32();
  if (n == -1) { r.fail(); return; }  // null where the field is not nullable
  if (n < 0) return;
  if (const uint8_t* p = r.take(static_cast<size_t>(n))) out.assign(p, p + n);
}
inline void read_nullable_bytes(Reader& r, bool flexible, std::optional<std::vector<uint8_t>>& out) {
  int64_t n = flexible ? r.compact_len() : r.classic_len32();
  if (n < 0) { out.reset(); return; }
  if (const uint8_t* p = r.take(static_cast<size_t>(n))) out.emplace(p, p + n);
}
inline void write_bytes(Writer& w, bool flexible, const std::vector<uint8_t>& b) {
  write_array_length(w, flexible, static_cast<int64_t>(b.size()));
  w.raw(b.data(), b.size());
}
inline void write_nullable_bytes(Writer& w, bool flexible, const std::optional<std::vector<uint8_t>>& b) {
  if (!b) { write_array_length(w, flexible, -1); return; }
  write_bytes(w, flexible, *b);
}
inline size_t bytes_size(const std::vector<uint8_t>& b, bool flexible) {
  return length32_prefix_size(static_cast<int64_t>(b.size()), flexible) + b.size();
}
inline size_t nullable_bytes_size(const std::optional<std::vector<uint8_t>>& b, bool flexible) {
  return b ? bytes_size(*b, flexible) : length32_prefix_size(-1, flexible);
}

// --- records ---------------------------------------------------------------

// Points `out` into the reader's buffer: record bytes are never copied. The
// buffer is the connection's mutable request buffer, hence the const_cast.
inline void read_records(Reader& r, bool flexible, Records& out) {
  out = Records{};
  int64_t n = flexible ? r.compact_len() : r.classic_len32();
  if (n < 0) return;  // null (or malformed: the reader has failed)
  const uint8_t* p = r.take(static_cast<size_t>(n));
  if (!p) return;
  out.is_null = false;
  out.data = const_cast<uint8_t*>(p);
  out.size = static_cast<uint32_t>(n);
}
// Writes the length prefix, then the bytes or a file splice for sendfile.
inline void write_records(Writer& w, bool flexible, const Records& rec) {
  if (rec.is_null) { write_array_length(w, flexible, -1); return; }
  write_array_length(w, flexible, rec.length());
  if (rec.file.fd >= 0) {
    w.file_slice(rec.file);
    for (const auto& s : rec.more_file) w.file_slice(s);
  } else {
    w.raw(rec.data, rec.size);
  }
}
inline size_t records_size(const Records& rec, bool flexible) {
  if (rec.is_null) return length32_prefix_size(-1, flexible);
  return length32_prefix_size(rec.length(), flexible) + rec.length();
}

}  // namespace fjord::protocol::codec
