#include "broker/handlers/heartbeat_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/coordinator/group_errors.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/heartbeat_request.h"
#include "protocol/messages/heartbeat_response.h"

namespace fjord::broker {

void handle_heartbeat(BrokerContext& ctx, Request req, Responder out) {
  auto body = std::make_shared<protocol::HeartbeatRequest>();
  if (!decode_body(req, body.get())) return out.close();
  auto reply = reply_with<protocol::HeartbeatResponse>(req, std::move(out));
  if (body->group_id.empty()) {
    protocol::HeartbeatResponse r;
    r.error_code = coordinator::error::kInvalidGroupId;
    return reply(std::move(r));
  }
  on_group_shard(ctx, body->group_id, [body, reply](coordinator::GroupCoordinatorShard* shard, int16_t error) {
    if (!shard) {
      protocol::HeartbeatResponse r;
      r.error_code = error;
      return reply(std::move(r));
    }
    reply(shard->heartbeat(*body));
  });
}

}  // namespace fjord::broker
