#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_offset_delete(BrokerContext& ctx, Request req, Responder out);

inline constexpr ApiSpec kOffsetDeleteApi{.key = 47, .name = "OffsetDelete", .min = 0, .max = 0, .handle = handle_offset_delete};

}  // namespace fjord::broker
