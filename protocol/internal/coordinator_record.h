#pragma once
// Framing of the records in Kafka's __consumer_offsets and __transaction_state.
// A record key is a big-endian int16 version followed by a key struct written
// in that version; a value is the same with a value struct. A record with a
// null value is a tombstone: it deletes its key and has no value bytes.
//
// In __consumer_offsets the key version also says which key it is, since each
// key schema owns its versions: 0-1 OffsetCommitKey, 2 GroupMetadataKey,
// 3-8 the ConsumerGroup*Key schemas (see each Key::kLowestSupportedVersion).
// __transaction_state keys are TransactionLogKey v0.
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"

namespace fjord::protocol::internal {

// The version prefix of a key or value; nullopt when shorter than 2 bytes.
std::optional<int16_t> read_version(std::span<const uint8_t> bytes);

// `m` written at `version`, prefixed by the version. Throws
// std::invalid_argument for a version T does not know (a programming error).
template <typename T>
std::vector<uint8_t> encode_versioned(const T& m, int16_t version) {
  if (version < T::kLowestSupportedVersion || version > T::kHighestSupportedVersion)
    throw std::invalid_argument("unsupported record version " + std::to_string(version));
  Writer w(2 + m.size(version));
  w.i16(version);
  m.encode(w, version);
  return std::move(w.buffer());
}

// Reads bytes written by encode_versioned into `out` and returns their
// version; nullopt for a version T does not know, malformed input, or bytes
// left over after the struct.
template <typename T>
std::optional<int16_t> decode_versioned(std::span<const uint8_t> bytes, T& out) {
  Reader r(bytes.data(), bytes.size());
  const int16_t version = r.i16();
  if (!r.ok() || !out.decode(r, version) || r.remaining() != 0) return std::nullopt;
  return version;
}

// Keys and values are framed alike; these names say which one a caller means.
template <typename Key>
std::vector<uint8_t> encode_key(const Key& key, int16_t version) {
  return encode_versioned(key, version);
}
template <typename Value>
std::vector<uint8_t> encode_value(const Value& value, int16_t version) {
  return encode_versioned(value, version);
}
template <typename Key>
std::optional<int16_t> decode_key(std::span<const uint8_t> bytes, Key& out) {
  return decode_versioned(bytes, out);
}
// `bytes` must be a present value: check for a tombstone (null value) first.
template <typename Value>
std::optional<int16_t> decode_value(std::span<const uint8_t> bytes, Value& out) {
  return decode_versioned(bytes, out);
}

}  // namespace fjord::protocol::internal
