#include "broker/handlers/sync_group_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/coordinator/group_errors.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/sync_group_request.h"
#include "protocol/messages/sync_group_response.h"

namespace fjord::broker {

void handle_sync_group(BrokerContext& ctx, Request req, Responder out) {
  auto body = std::make_shared<protocol::SyncGroupRequest>();
  if (!decode_body(req, body.get())) return out.close();
  auto reply = reply_with<protocol::SyncGroupResponse>(req, std::move(out));
  const auto fail = [reply](int16_t error) {
    protocol::SyncGroupResponse r;
    r.error_code = error;
    reply(std::move(r));
  };
  if (body->group_id.empty()) return fail(coordinator::error::kInvalidGroupId);
  const int16_t version = req.api_version;
  on_group_shard(ctx, body->group_id, [body, reply, fail, version](coordinator::GroupCoordinatorShard* shard, int16_t error) {
    if (!shard) return fail(error);
    shard->sync_group(*body, version, reply);
  });
}

}  // namespace fjord::broker
