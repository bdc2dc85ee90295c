#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_list_offsets(BrokerContext& ctx, Request req, Responder out);

// v0: a list of offsets (max_num_offsets); v1+: one offset and its timestamp
// v4: current leader epoch (fencing)
// v6: flexible
// v7: MAX_TIMESTAMP (-3); v8: EARLIEST_LOCAL (-4); v9: LATEST_TIERED (-5)
inline constexpr ApiSpec kListOffsetsApi{
    .key = 2, .name = "ListOffsets", .min = 0, .max = 9, .handle = handle_list_offsets};

}  // namespace fjord::broker
