#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// The producers each partition's ProducerStateTable tracks
// (kafka-transactions.sh describe-producers).
void handle_describe_producers(BrokerContext& ctx, Request req, Responder out);

// v0: flexible
inline constexpr ApiSpec kDescribeProducersApi{
    .key = 61, .name = "DescribeProducers", .min = 0, .max = 0, .handle = handle_describe_producers};

}  // namespace fjord::broker
