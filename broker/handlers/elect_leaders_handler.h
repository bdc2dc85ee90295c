#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_elect_leaders(BrokerContext& ctx, Request req, Responder out);

// v1: election type (preferred or unclean) and a top-level error code
// v2: flexible
inline constexpr ApiSpec kElectLeadersApi{.key = 43,
                                          .name = "ElectLeaders",
                                          .min = 0,
                                          .max = 2,
                                          .handle = handle_elect_leaders};

}  // namespace fjord::broker
