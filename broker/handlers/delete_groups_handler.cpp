#include "broker/handlers/delete_groups_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/delete_groups_request.h"
#include "protocol/messages/delete_groups_response.h"

namespace fjord::broker {
namespace {

using Result = protocol::DeleteGroupsResponse::DeletableGroupResult;

}  // namespace

void handle_delete_groups(BrokerContext& ctx, Request req, Responder out) {
  protocol::DeleteGroupsRequest body;
  if (!decode_body(req, &body)) return out.close();
  auto reply = reply_with<protocol::DeleteGroupsResponse>(req, std::move(out));
  if (body.groups_names.empty()) return reply(protocol::DeleteGroupsResponse{});
  auto gather = std::make_shared<Gather<Result>>(body.groups_names.size(), [reply](std::vector<Result> results) {
    protocol::DeleteGroupsResponse r;
    r.results = std::move(results);
    reply(std::move(r));
  });
  for (size_t i = 0; i < body.groups_names.size(); ++i) {
    const std::string id = body.groups_names[i];
    on_group_shard(ctx, id, [gather, i, id](coordinator::GroupCoordinatorShard* shard, int16_t error) {
      if (!shard) return gather->set(i, Result{id, error});
      shard->delete_groups({id}, [gather, i](std::vector<Result> results) { gather->set(i, std::move(results.at(0))); });
    });
  }
}

}  // namespace fjord::broker
