#include "broker/handlers/api_versions_handler.h"

#include <regex>

#include "broker/dispatch/dispatcher.h"
#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/api_versions_response.h"

namespace fjord::broker {
namespace {

// Kafka's rule for client_software_name/version (KIP-511).
bool valid_software_field(const std::string& s) {
  static const std::regex pattern("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");
  return std::regex_match(s, pattern);
}

}  // namespace

void handle_api_versions(BrokerContext& ctx, Request req, Responder out) {
  protocol::ApiVersionsRequest body;
  protocol::ApiVersionsResponse resp;
  if (!decode_body(req, &body)) {
    // Kafka answers an unparsable ApiVersions with INVALID_REQUEST so the
    // client can fall back to v0; the body layout follows the request version.
    resp.error_code = kafka_error::kInvalidRequest;
  } else if (req.api_version >= 3 &&
             (!valid_software_field(body.client_software_name) || !valid_software_field(body.client_software_version))) {
    resp.error_code = kafka_error::kInvalidRequest;
  }
  for (const auto& api : ctx.dispatcher.table()) {
    protocol::ApiVersionsResponse::ApiVersion v;
    v.api_key = api.api_key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    resp.api_keys.push_back(v);
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
