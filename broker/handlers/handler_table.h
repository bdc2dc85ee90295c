#pragma once
// The one list of APIs this broker implements. ApiVersions advertises it,
// the dispatcher routes by it; nothing else is answered.
#include <vector>

#include "broker/dispatch/dispatcher.h"
#include "broker/handlers/broker_context.h"
#include "storage/job_threads.h"

namespace fjord::broker {

// `admin`: the thread CreateTopics and DeleteTopics run on, in arrival order
// (null: on the network thread). Creating a topic creates and fsyncs files:
// 2000 partitions held every other connection of a network thread for 4.4 s.
std::vector<ApiHandler> make_handler_table(BrokerContext& ctx, storage::JobThreads* admin = nullptr);

}  // namespace fjord::broker
