#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Checks with the transaction coordinator that the group's partition is in
// the producer's ongoing transaction (Kafka's transaction verification),
// then commits the offsets as pending on the group's coordinator shard.
void handle_txn_offset_commit(BrokerContext& ctx, Request req, Responder out);

// v1: as v0
// v2: committed leader epoch
// v3: generation, member id and group instance id (checked like OffsetCommit's)
// v4: TRANSACTION_ABORTABLE possible (not given: no transaction version 2)
inline constexpr ApiSpec kTxnOffsetCommitApi{
    .key = 28, .name = "TxnOffsetCommit", .min = 0, .max = 4, .handle = handle_txn_offset_commit};

}  // namespace fjord::broker
