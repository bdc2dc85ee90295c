#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_delete_groups(BrokerContext& ctx, Request req, Responder out);

// v2: flexible
inline constexpr ApiSpec kDeleteGroupsApi{.key = 42, .name = "DeleteGroups", .min = 0, .max = 2, .handle = handle_delete_groups};

}  // namespace fjord::broker
