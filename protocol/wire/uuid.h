#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace fjord::protocol {

struct Uuid {
  std::array<uint8_t, 16> bytes{};
  bool is_zero() const {
    for (auto b : bytes) if (b) return false;
    return true;
  }
  bool operator==(const Uuid&) const = default;
  // Kafka prints topic ids as URL-safe base64 without padding.
  std::string to_base64() const;
};

}  // namespace fjord::protocol
