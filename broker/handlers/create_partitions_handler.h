#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_create_partitions(BrokerContext& ctx, Request req, Responder out);

// Admin thread: new partitions create and fsync files.
// v1: as v0 (throttling behaviour)
// v2: flexible
// v3: as v2 (THROTTLING_QUOTA_EXCEEDED)
inline constexpr ApiSpec kCreatePartitionsApi{.key = 37,
                                              .name = "CreatePartitions",
                                              .min = 0,
                                              .max = 3,
                                              .thread = HandlerThread::admin,
                                              .handle = handle_create_partitions};

}  // namespace fjord::broker
