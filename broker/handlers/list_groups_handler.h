#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_list_groups(BrokerContext& ctx, Request req, Responder out);

// v3: flexible
// v4: states filter
// v5: types filter (every group here is classic)
inline constexpr ApiSpec kListGroupsApi{.key = 16, .name = "ListGroups", .min = 0, .max = 5, .handle = handle_list_groups};

}  // namespace fjord::broker
