#pragma once
// The one list of APIs this broker implements. ApiVersions advertises it,
// the dispatcher routes by it; nothing else is answered.
#include <vector>

#include "broker/dispatch/dispatcher.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

class AdminWorker;

// `admin`: where CreateTopics and DeleteTopics run (null: on the network thread).
std::vector<ApiHandler> make_handler_table(BrokerContext& ctx, AdminWorker* admin = nullptr);

}  // namespace fjord::broker
