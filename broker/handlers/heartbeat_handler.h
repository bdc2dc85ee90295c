#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_heartbeat(BrokerContext& ctx, Request req, Responder out);

// v3: group instance id
// v4: flexible
inline constexpr ApiSpec kHeartbeatApi{.key = 12, .name = "Heartbeat", .min = 0, .max = 4, .handle = handle_heartbeat};

}  // namespace fjord::broker
