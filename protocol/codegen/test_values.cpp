#include "protocol/codegen/test_values.h"

#include <array>

namespace fjord::protocol {

std::string test_string(uint32_t seed, uint32_t key) {
  return "s" + std::to_string(seed) + "-" + std::to_string(key);
}

std::vector<uint8_t> test_bytes(uint32_t seed, uint32_t key) {
  return {uint8_t(seed), uint8_t(key), 0x00, 0xff, uint8_t(seed + key)};
}

Uuid test_uuid(uint32_t seed, uint32_t key) {
  Uuid u;
  for (size_t i = 0; i < u.bytes.size(); ++i) u.bytes[i] = uint8_t(seed * 17 + key * 3 + i + 1);
  return u;
}

Records test_records(uint32_t seed) {
  static std::array<uint8_t, 96> buffer = [] {
    std::array<uint8_t, 96> b{};
    for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i * 37 + 11);
    return b;
  }();
  Records r;
  r.is_null = false;
  r.data = buffer.data();
  r.size = 32 + seed % 64;
  return r;
}

}  // namespace fjord::protocol
