#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_metadata(BrokerContext& ctx, Request req, Responder out);

// v0: an empty topic list means all topics; v1+: null means all, empty none
// v4: allow_auto_topic_creation
// v8: authorized operations
// v9: flexible
// v10: topic ids in the response; v12: topics requested by id
inline constexpr ApiSpec kMetadataApi{.key = 3, .name = "Metadata", .min = 0, .max = 12, .handle = handle_metadata};

}  // namespace fjord::broker
