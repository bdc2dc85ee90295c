#include "broker/handlers/find_coordinator_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/coordinator/transaction_coordinator.h"
#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/find_coordinator_request.h"
#include "protocol/messages/find_coordinator_response.h"

namespace fjord::broker {
namespace {

using Response = protocol::FindCoordinatorResponse;

// Kafka's CoordinatorType: GROUP(0), TRANSACTION(1), SHARE(2, no share groups here).
constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

// The coordinator of a group (a transactional id) is the leader of its
// __consumer_offsets (__transaction_state) partition; the coordinator says
// whether that shard is loaded here (NOT_COORDINATOR,
// COORDINATOR_LOAD_IN_PROGRESS otherwise).
Response::Coordinator locate(const BrokerContext& ctx, int listener, const std::string& key, int8_t key_type) {
  Response::Coordinator c;
  c.key = key;
  if (key_type != kGroupKey && key_type != kTransactionKey) {
    c.error_code = kafka_error::kInvalidRequest;
    c.error_message = "unknown coordinator key type " + std::to_string(key_type);
    c.node_id = -1;
    c.host = "";
    c.port = -1;
    return c;
  }
  if (key.empty()) {
    c.error_code = kafka_error::kInvalidRequest;
    c.error_message = key_type == kGroupKey ? "group id is empty" : "transactional id is empty";
    c.node_id = -1;
    c.host = "";
    c.port = -1;
    return c;
  }
  // Without a coordinator (handler tests) this node answers.
  int16_t e = 0;
  if (key_type == kGroupKey && ctx.groups) e = ctx.groups->status(key);
  if (key_type == kTransactionKey && ctx.transaction_coordinator) e = ctx.transaction_coordinator->status(key);
  if (e) {
    c.error_code = e;
    c.error_message = std::string(protocol::error_message(e));
    c.node_id = -1;
    c.host = "";
    c.port = -1;
    return c;
  }
  c.error_message = std::nullopt;
  c.node_id = ctx.node_id;
  c.host = ctx.advertised_for(listener).host;
  c.port = ctx.advertised_for(listener).port;
  return c;
}

}  // namespace

void handle_find_coordinator(BrokerContext& ctx, Request req, Responder out) {
  protocol::FindCoordinatorRequest body;
  if (!decode_body(req, &body)) return out.close();

  Response resp;
  if (req.api_version >= 4) {
    // Batched layout (KIP-699): one answer per key.
    resp.coordinators.reserve(body.coordinator_keys.size());
    for (const auto& key : body.coordinator_keys) resp.coordinators.push_back(locate(ctx, req.listener, key, body.key_type));
  } else {
    Response::Coordinator c = locate(ctx, req.listener, body.key, body.key_type);
    resp.error_code = c.error_code;
    resp.error_message = c.error_message;
    resp.node_id = c.node_id;
    resp.host = c.host;
    resp.port = c.port;
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
