#pragma once
// Kafka's check of the leader epoch a client believes current against the
// partition's own (KIP-320): a client behind the leader is fenced, a client
// ahead of it has seen a leader this broker does not know yet.
#include <cstdint>

#include "broker/handlers/error_codes.h"

namespace fjord::broker {

// -1: the client sent no epoch (older versions, or none known): no check.
inline int16_t leader_epoch_fence(int32_t requested, int32_t current) {
  if (requested < 0 || requested == current) return kafka_error::kNone;
  return requested < current ? kafka_error::kFencedLeaderEpoch : kafka_error::kUnknownLeaderEpoch;
}

}  // namespace fjord::broker
