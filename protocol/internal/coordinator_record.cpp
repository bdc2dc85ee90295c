#include "protocol/internal/coordinator_record.h"

namespace fjord::protocol::internal {

std::optional<int16_t> read_version(std::span<const uint8_t> bytes) {
  if (bytes.size() < 2) return std::nullopt;
  return static_cast<int16_t>((bytes[0] << 8) | bytes[1]);
}

}  // namespace fjord::protocol::internal
