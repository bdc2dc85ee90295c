#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_delete_records(BrokerContext& ctx, Request req, Responder out);

// Admin thread: deleting segments unlinks files.
// v1: as v0 (throttling behaviour)
// v2: flexible
inline constexpr ApiSpec kDeleteRecordsApi{.key = 21,
                                           .name = "DeleteRecords",
                                           .min = 0,
                                           .max = 2,
                                           .thread = HandlerThread::admin,
                                           .handle = handle_delete_records};

}  // namespace fjord::broker
