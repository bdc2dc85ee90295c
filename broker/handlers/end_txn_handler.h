#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Commits or aborts on the transactional id's coordinator shard; answers
// once the decision is durable (the markers follow).
void handle_end_txn(BrokerContext& ctx, Request req, Responder out);

// v1: as v0
// v2: PRODUCER_FENCED (older versions get INVALID_PRODUCER_EPOCH)
// v3: flexible
// v4: TRANSACTION_ABORTABLE possible (not given: no transaction version 2)
inline constexpr ApiSpec kEndTxnApi{.key = 26, .name = "EndTxn", .min = 0, .max = 4, .handle = handle_end_txn};

}  // namespace fjord::broker
