#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_offset_commit(BrokerContext& ctx, Request req, Responder out);

// v1: generation and member id
// v2-4: retention time
// v5: no retention time
// v6: committed leader epoch
// v7: group instance id
// v8: flexible
// v9: as v8 (a missing group answers GROUP_ID_NOT_FOUND, not ILLEGAL_GENERATION)
inline constexpr ApiSpec kOffsetCommitApi{.key = 8, .name = "OffsetCommit", .min = 0, .max = 9, .handle = handle_offset_commit};

}  // namespace fjord::broker
