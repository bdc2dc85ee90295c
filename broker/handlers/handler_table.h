#pragma once
// The one list of APIs this broker serves (handler_table.cpp, one line per
// API). ApiVersions advertises it, the dispatcher routes by it; nothing else
// is answered. How to add an API: broker/README.md.
#include <span>
#include <vector>

#include "broker/dispatch/dispatcher.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"
#include "storage/job_threads.h"

namespace fjord::broker {

// Every served API's declaration, in key order.
std::span<const ApiSpec> served_apis();

// Throws std::logic_error, naming the API, for a spec whose key has no
// schema or another name, whose range is empty or reaches past the versions
// the codecs support (protocol::find_api), or whose key is listed twice.
void check_against_schemas(std::span<const ApiSpec> specs);

// The dispatcher's table for served_apis(), checked first. `admin`: the
// thread HandlerThread::admin handlers run on, in arrival order (null: on
// the network thread). Creating a topic creates and fsyncs files: 2000
// partitions held every other connection of a network thread for 4.4 s.
std::vector<ApiHandler> make_handler_table(BrokerContext& ctx, storage::JobThreads* admin = nullptr);

}  // namespace fjord::broker
