#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// The transactions of every coordinator shard this node runs
// (kafka-transactions.sh list), filtered by state, producer id and duration.
void handle_list_transactions(BrokerContext& ctx, Request req, Responder out);

// v1: DurationFilter (transactions running longer than it; KIP-994)
inline constexpr ApiSpec kListTransactionsApi{
    .key = 66, .name = "ListTransactions", .min = 0, .max = 1, .handle = handle_list_transactions};

}  // namespace fjord::broker
