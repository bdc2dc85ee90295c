#include "broker/handlers/describe_cluster_handler.h"

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/authorized_operations.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/describe_cluster_request.h"
#include "protocol/messages/describe_cluster_response.h"

namespace fjord::broker {
namespace {
constexpr int8_t kBrokerEndpoints = 1;  // EndpointType.BROKER (2: CONTROLLER)
}

void handle_describe_cluster(BrokerContext& ctx, Request req, Responder out) {
  protocol::DescribeClusterRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::DescribeClusterResponse resp;
  resp.endpoint_type = body.endpoint_type;
  if (req.api_version >= 1 && body.endpoint_type != kBrokerEndpoints) {
    // A broker describes brokers; KRaft controllers answer for themselves.
    resp.error_code = kafka_error::kMismatchedEndpointType;
    resp.error_message = "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type " +
                         std::string(body.endpoint_type == 2 ? "CONTROLLER" : "UNKNOWN");
    return out.respond(encode_response(req, resp));
  }
  resp.cluster_id = ctx.cluster_id;
  resp.controller_id = ctx.node_id;  // KRaft brokers name a live broker; admin clients send there
  auto& b = resp.brokers.emplace_back();
  b.broker_id = ctx.node_id;
  const auto& endpoint = ctx.advertised_for(req.listener);
  b.host = endpoint.host;
  b.port = endpoint.port;
  b.rack = std::nullopt;
  if (body.include_cluster_authorized_operations) resp.cluster_authorized_operations = kClusterOperations;
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
