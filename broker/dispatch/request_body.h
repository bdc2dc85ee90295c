#pragma once
// Decodes a request body with the generated codec at the request's version.
#include <spdlog/spdlog.h>

#include "broker/dispatch/request.h"
#include "protocol/wire/reader.h"

namespace fjord::broker {

template <typename Message>
bool decode_body(const Request& req, Message* msg) {
  protocol::Reader r(req.body(), req.body_size());
  if (msg->decode(r, req.api_version) && r.ok()) return true;
  spdlog::warn("{}: malformed body for api key {} v{} (correlation id {})", req.peer, req.api_key,
               req.api_version, req.header.correlation_id);
  return false;
}

}  // namespace fjord::broker
