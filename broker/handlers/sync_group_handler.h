#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_sync_group(BrokerContext& ctx, Request req, Responder out);

// v3: group instance id
// v4: flexible
// v5: protocol type and name checked and answered
inline constexpr ApiSpec kSyncGroupApi{.key = 14, .name = "SyncGroup", .min = 0, .max = 5, .handle = handle_sync_group};

}  // namespace fjord::broker
