#include "broker/handlers/leave_group_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/coordinator/group_errors.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/leave_group_request.h"
#include "protocol/messages/leave_group_response.h"

namespace fjord::broker {

void handle_leave_group(BrokerContext& ctx, Request req, Responder out) {
  auto body = std::make_shared<protocol::LeaveGroupRequest>();
  if (!decode_body(req, body.get())) return out.close();
  const int16_t version = req.api_version;
  // v0-2 name one member and carry its error at the top (Kafka's
  // LeaveGroupResponse for old versions); v3+ are batched.
  if (version < 3) body->members = {protocol::LeaveGroupRequest::MemberIdentity{body->member_id, std::nullopt, std::nullopt}};
  auto reply = reply_with<protocol::LeaveGroupResponse>(req, std::move(out));
  const auto finish = [reply, version](protocol::LeaveGroupResponse r) {
    if (version < 3) {
      if (r.error_code == coordinator::error::kNone && !r.members.empty()) r.error_code = r.members.front().error_code;
      r.members.clear();
    }
    reply(std::move(r));
  };
  const auto fail = [finish](int16_t error) {
    protocol::LeaveGroupResponse r;
    r.error_code = error;
    finish(std::move(r));
  };
  if (body->group_id.empty()) return fail(coordinator::error::kInvalidGroupId);
  on_group_shard(ctx, body->group_id, [body, finish, fail](coordinator::GroupCoordinatorShard* shard, int16_t error) {
    if (!shard) return fail(error);
    finish(shard->leave_group(body->group_id, body->members));
  });
}

}  // namespace fjord::broker
