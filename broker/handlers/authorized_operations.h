#pragma once
// Authorized-operation bit sets with no ACLs: everything a topic / cluster
// supports (AclOperation codes: READ 3 ... IDEMPOTENT_WRITE 12).
#include <cstdint>

namespace fjord::broker {

inline constexpr int32_t kTopicOperations =
    (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);
inline constexpr int32_t kClusterOperations =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

}  // namespace fjord::broker
