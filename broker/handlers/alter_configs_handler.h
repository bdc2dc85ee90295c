#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_alter_configs(BrokerContext& ctx, Request req, Responder out);

// Admin thread: the new overrides are fsynced before the answer.
// Legacy AlterConfigs: a resource's whole set of overrides is replaced.
// v1: as v0 (throttling behaviour)
// v2: flexible
inline constexpr ApiSpec kAlterConfigsApi{.key = 33,
                                          .name = "AlterConfigs",
                                          .min = 0,
                                          .max = 2,
                                          .thread = HandlerThread::admin,
                                          .handle = handle_alter_configs};

}  // namespace fjord::broker
