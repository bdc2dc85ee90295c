#include "broker/handlers/offset_delete_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/offset_delete_request.h"
#include "protocol/messages/offset_delete_response.h"

namespace fjord::broker {

void handle_offset_delete(BrokerContext& ctx, Request req, Responder out) {
  auto body = std::make_shared<protocol::OffsetDeleteRequest>();
  if (!decode_body(req, body.get())) return out.close();
  auto reply = reply_with<protocol::OffsetDeleteResponse>(req, std::move(out));
  on_group_shard(ctx, body->group_id, [body, reply](coordinator::GroupCoordinatorShard* shard, int16_t error) {
    if (shard) return shard->delete_offsets(*body, reply);
    protocol::OffsetDeleteResponse r;
    r.error_code = error;
    reply(std::move(r));
  });
}

}  // namespace fjord::broker
