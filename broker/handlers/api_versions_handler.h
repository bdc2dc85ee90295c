#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_api_versions(BrokerContext& ctx, Request req, Responder out);

// A version above max gets the v0 fallback from the dispatcher.
// v3: flexible; client software name and version (KIP-511)
// v4: as v3 (finalized feature min version may be 0)
inline constexpr ApiSpec kApiVersionsApi{
    .key = 18, .name = "ApiVersions", .min = 0, .max = 4, .handle = handle_api_versions};

}  // namespace fjord::broker
