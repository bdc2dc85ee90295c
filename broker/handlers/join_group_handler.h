#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_join_group(BrokerContext& ctx, Request req, Responder out);

// v1: rebalance timeout (v0: the session timeout)
// v4: MEMBER_ID_REQUIRED first (KIP-394)
// v5: group instance id (static membership)
// v6: flexible
// v7: protocol type and name in the answer
// v8: reason
// v9: skip_assignment for a static leader (KIP-814)
inline constexpr ApiSpec kJoinGroupApi{.key = 11, .name = "JoinGroup", .min = 0, .max = 9, .handle = handle_join_group};

}  // namespace fjord::broker
