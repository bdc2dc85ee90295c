#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_find_coordinator(BrokerContext& ctx, Request req, Responder out);

// Min stays 0: librdkafka enables LZ4 (and consumer groups) only when
// FindCoordinator v0 is in range.
// v1: key type (group or transaction)
// v3: flexible
// v4: batched coordinator keys (KIP-699)
// v5-6: as v4 (TRANSACTION_ABORTABLE, share groups: not served)
inline constexpr ApiSpec kFindCoordinatorApi{
    .key = 10, .name = "FindCoordinator", .min = 0, .max = 6, .handle = handle_find_coordinator};

}  // namespace fjord::broker
