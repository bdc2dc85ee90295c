#include "broker/handlers/join_group_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/coordinator/group_errors.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/join_group_request.h"
#include "protocol/messages/join_group_response.h"

namespace fjord::broker {

void handle_join_group(BrokerContext& ctx, Request req, Responder out) {
  auto body = std::make_shared<protocol::JoinGroupRequest>();
  if (!decode_body(req, body.get())) return out.close();
  auto reply = reply_with<protocol::JoinGroupResponse>(req, std::move(out));
  const auto fail = [body, reply](int16_t error) {
    protocol::JoinGroupResponse r;
    r.error_code = error;
    r.member_id = body->member_id;
    r.protocol_name = std::nullopt;
    reply(std::move(r));
  };
  if (body->group_id.empty()) return fail(coordinator::error::kInvalidGroupId);
  coordinator::GroupCoordinatorShard::Client client{req.header.client_id.value_or(""), client_host_of(req)};
  const int16_t version = req.api_version;
  on_group_shard(ctx, body->group_id, [body, reply, fail, client, version](coordinator::GroupCoordinatorShard* shard,
                                                                        int16_t error) {
    if (!shard) return fail(error);
    shard->join_group(*body, version, client, reply);
  });
}

}  // namespace fjord::broker
