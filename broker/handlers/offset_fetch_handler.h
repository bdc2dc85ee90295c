#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the group's coordinator shard (broker/coordinator/).
void handle_offset_fetch(BrokerContext& ctx, Request req, Responder out);

// v2: null topics = every committed offset; top-level error
// v6: flexible
// v7: require_stable (nothing is pending before transactions exist)
// v8: several groups in one request
// v9: member id and epoch (ignored by classic groups)
inline constexpr ApiSpec kOffsetFetchApi{.key = 9, .name = "OffsetFetch", .min = 0, .max = 9, .handle = handle_offset_fetch};

}  // namespace fjord::broker
