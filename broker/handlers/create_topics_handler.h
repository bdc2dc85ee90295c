#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_create_topics(BrokerContext& ctx, Request req, Responder out);

// Admin thread: creating partitions creates and fsyncs files.
// v1: validate_only
// v4: partitions and replication factor may be -1 (broker defaults)
// v5: flexible; the response carries the topic configs (KIP-525)
// v6-7: as v5 (THROTTLING_QUOTA_EXCEEDED)
inline constexpr ApiSpec kCreateTopicsApi{.key = 19,
                                          .name = "CreateTopics",
                                          .min = 0,
                                          .max = 7,
                                          .thread = HandlerThread::admin,
                                          .handle = handle_create_topics};

}  // namespace fjord::broker
