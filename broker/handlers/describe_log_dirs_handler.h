#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_describe_log_dirs(BrokerContext& ctx, Request req, Responder out);

// v1: as v0 (throttling behaviour)
// v2: flexible
// v3: top-level error code
// v4: total and usable bytes per log dir
inline constexpr ApiSpec kDescribeLogDirsApi{.key = 35,
                                             .name = "DescribeLogDirs",
                                             .min = 0,
                                             .max = 4,
                                             .handle = handle_describe_log_dirs};

}  // namespace fjord::broker
