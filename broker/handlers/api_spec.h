#pragma once
// What a handler declares about the API it serves: the versions it
// implements and the thread it runs on. Each <api>_handler.h declares one
// next to its handle_<api> function (kProduceApi, kFetchApi, ...);
// handler_table.cpp lists them, one line each, and ApiVersions advertises
// exactly that list. The imported schemas only bound what may be declared
// (check_against_schemas): a newer schema never advertises a version by itself.
#include <cstdint>

#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"

namespace fjord::broker {

struct BrokerContext;

enum class HandlerThread : uint8_t {
  network,  // the connection's own network thread
  admin,    // fj-admin-0: one request at a time, in arrival order (handler_table.h)
};

struct ApiSpec {
  int16_t key = -1;
  const char* name = "";  // Kafka's name, as in the schema ("Produce")
  int16_t min = 0;        // lowest and highest version served
  int16_t max = -1;
  HandlerThread thread = HandlerThread::network;
  void (*handle)(BrokerContext& ctx, Request req, Responder out) = nullptr;
};

}  // namespace fjord::broker
