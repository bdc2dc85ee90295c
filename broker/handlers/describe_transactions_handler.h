#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Each transactional id's state from its coordinator shard (kafka-transactions.sh describe).
void handle_describe_transactions(BrokerContext& ctx, Request req, Responder out);

inline constexpr ApiSpec kDescribeTransactionsApi{
    .key = 65, .name = "DescribeTransactions", .min = 0, .max = 0, .handle = handle_describe_transactions};

}  // namespace fjord::broker
