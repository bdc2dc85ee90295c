#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_leave_group(BrokerContext& ctx, Request req, Responder out);

// v3: batched members (also by group instance id)
// v4: flexible
// v5: reason
inline constexpr ApiSpec kLeaveGroupApi{.key = 13, .name = "LeaveGroup", .min = 0, .max = 5, .handle = handle_leave_group};

}  // namespace fjord::broker
