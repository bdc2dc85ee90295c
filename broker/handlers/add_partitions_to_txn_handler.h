#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Runs on the transactional id's coordinator shard (broker/coordinator/).
void handle_add_partitions_to_txn(BrokerContext& ctx, Request req, Responder out);

// v1: as v0
// v2: PRODUCER_FENCED (older versions get INVALID_PRODUCER_EPOCH)
// v3: flexible
// v4: batched transactions and VerifyOnly (broker-to-broker verification, KIP-890)
// v5: TRANSACTION_ABORTABLE possible (not given: no transaction version 2)
inline constexpr ApiSpec kAddPartitionsToTxnApi{
    .key = 24, .name = "AddPartitionsToTxn", .min = 0, .max = 5, .handle = handle_add_partitions_to_txn};

}  // namespace fjord::broker
