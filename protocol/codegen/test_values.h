#pragma once
// Deterministic field values for generated fill_for_test() functions. Test
// support only: linked into fjord_messages_test_support, never the broker.
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/wire/records.h"
#include "protocol/wire/uuid.h"

namespace fjord::protocol {

// A value derived from (seed, key) that never equals the field's default, so
// tagged fields are always written and round trips exercise every field.
template <typename T>
T test_int(uint32_t seed, uint32_t key, T default_value) {
  T v = static_cast<T>(seed * 131u + key * 7u + 3u);
  return v == default_value ? static_cast<T>(v + 1) : v;
}
std::string test_string(uint32_t seed, uint32_t key);
std::vector<uint8_t> test_bytes(uint32_t seed, uint32_t key);
Uuid test_uuid(uint32_t seed, uint32_t key);
// Points into a static buffer (a fixed byte pattern; seed picks the length).
Records test_records(uint32_t seed);

}  // namespace fjord::protocol
