#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_incremental_alter_configs(BrokerContext& ctx, Request req, Responder out);

}  // namespace fjord::broker
