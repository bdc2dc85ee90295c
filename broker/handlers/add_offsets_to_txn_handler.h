#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Adds the group's __consumer_offsets partition to the transaction (on the
// transactional id's coordinator shard), so TxnOffsetCommit may follow.
void handle_add_offsets_to_txn(BrokerContext& ctx, Request req, Responder out);

// v1: as v0
// v2: PRODUCER_FENCED (older versions get INVALID_PRODUCER_EPOCH)
// v3: flexible
// v4: TRANSACTION_ABORTABLE possible (not given: no transaction version 2)
inline constexpr ApiSpec kAddOffsetsToTxnApi{
    .key = 25, .name = "AddOffsetsToTxn", .min = 0, .max = 4, .handle = handle_add_offsets_to_txn};

}  // namespace fjord::broker
