#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_delete_topics(BrokerContext& ctx, Request req, Responder out);

// Admin thread: in arrival order with CreateTopics.
// v4: flexible
// v5: error message in the response
// v6: topics named by name or by id
inline constexpr ApiSpec kDeleteTopicsApi{.key = 20,
                                          .name = "DeleteTopics",
                                          .min = 0,
                                          .max = 6,
                                          .thread = HandlerThread::admin,
                                          .handle = handle_delete_topics};

}  // namespace fjord::broker
