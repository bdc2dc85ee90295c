#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_describe_configs(BrokerContext& ctx, Request req, Responder out);

// v1: config sources and synonyms (include_synonyms)
// v2: as v1 (throttling behaviour)
// v3: config types and documentation (include_documentation)
// v4: flexible
inline constexpr ApiSpec kDescribeConfigsApi{.key = 32,
                                             .name = "DescribeConfigs",
                                             .min = 0,
                                             .max = 4,
                                             .handle = handle_describe_configs};

}  // namespace fjord::broker
