#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_describe_groups(BrokerContext& ctx, Request req, Responder out);

// v3: authorized operations
// v4: group instance id
// v5: flexible
inline constexpr ApiSpec kDescribeGroupsApi{.key = 15, .name = "DescribeGroups", .min = 0, .max = 5, .handle = handle_describe_groups};

}  // namespace fjord::broker
