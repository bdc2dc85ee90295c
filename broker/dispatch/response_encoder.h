#pragma once
// Frames a response message: size prefix, response header at the version the
// API/version pair needs (ApiVersions always header v0), then the body.
#include <cstdint>

#include "broker/dispatch/request.h"
#include "broker/net/outgoing_response.h"
#include "protocol/messages/headers.h"

namespace fjord::broker {

template <typename Message>
OutgoingResponse encode_response(int32_t correlation_id, int16_t api_key, int16_t api_version,
                                 const Message& body) {
  OutgoingResponse out;
  out.data = protocol::Writer(body.size(api_version) + 16);
  out.data.i32(0);
  protocol::ResponseHeader header;
  header.correlation_id = correlation_id;
  header.encode(out.data, protocol::response_header_version(api_key, api_version));
  body.encode(out.data, api_version);
  out.data.patch_i32(0, static_cast<int32_t>(out.data.size() - 4));
  return out;
}

template <typename Message>
OutgoingResponse encode_response(const Request& req, const Message& body) {
  return encode_response(req.header.correlation_id, req.api_key, req.api_version, body);
}

}  // namespace fjord::broker
