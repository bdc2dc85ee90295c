#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_describe_topic_partitions(BrokerContext& ctx, Request req, Responder out);

// v0: flexible; topics sorted by name, paged by partition count with a cursor (KIP-966)
inline constexpr ApiSpec kDescribeTopicPartitionsApi{.key = 75,
                                                     .name = "DescribeTopicPartitions",
                                                     .min = 0,
                                                     .max = 0,
                                                     .handle = handle_describe_topic_partitions};

}  // namespace fjord::broker
