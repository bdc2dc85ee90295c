#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_incremental_alter_configs(BrokerContext& ctx, Request req, Responder out);

// Admin thread: the new configs are fsynced before the answer.
// v1: flexible
inline constexpr ApiSpec kIncrementalAlterConfigsApi{.key = 44,
                                                     .name = "IncrementalAlterConfigs",
                                                     .min = 0,
                                                     .max = 1,
                                                     .thread = HandlerThread::admin,
                                                     .handle = handle_incremental_alter_configs};

}  // namespace fjord::broker
