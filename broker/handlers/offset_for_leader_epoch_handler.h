#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// The end offset of a leader epoch, from the partition's leader-epoch-checkpoint:
// consumers detect log truncation with it (KIP-320), followers will truncate by it.
void handle_offset_for_leader_epoch(BrokerContext& ctx, Request req, Responder out);

// v1: the answer names the epoch found; v2: current leader epoch (fencing)
// v3: replica id (-1 from consumers); v4: flexible
inline constexpr ApiSpec kOffsetForLeaderEpochApi{
    .key = 23, .name = "OffsetForLeaderEpoch", .min = 0, .max = 4, .handle = handle_offset_for_leader_epoch};

}  // namespace fjord::broker
