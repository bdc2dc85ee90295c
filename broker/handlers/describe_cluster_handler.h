#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_describe_cluster(BrokerContext& ctx, Request req, Responder out);

// v0: flexible
// v1: endpoint type (brokers; asking a broker for controllers is MISMATCHED_ENDPOINT_TYPE)
inline constexpr ApiSpec kDescribeClusterApi{.key = 60,
                                             .name = "DescribeCluster",
                                             .min = 0,
                                             .max = 1,
                                             .handle = handle_describe_cluster};

}  // namespace fjord::broker
