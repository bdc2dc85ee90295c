#include "broker/handlers/list_groups_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/coordinator/group_errors.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/list_groups_request.h"
#include "protocol/messages/list_groups_response.h"

namespace fjord::broker {
namespace {

struct ShardGroups {
  int16_t error = 0;
  std::vector<protocol::ListGroupsResponse::ListedGroup> groups;
};

}  // namespace

void handle_list_groups(BrokerContext& ctx, Request req, Responder out) {
  auto body = std::make_shared<protocol::ListGroupsRequest>();
  if (!decode_body(req, body.get())) return out.close();
  auto reply = reply_with<protocol::ListGroupsResponse>(req, std::move(out));
  const int32_t shards = ctx.groups ? ctx.groups->shard_count() : 0;
  if (shards == 0) return reply(protocol::ListGroupsResponse{});
  auto gather = std::make_shared<Gather<ShardGroups>>(size_t(shards), [reply](std::vector<ShardGroups> parts) {
    protocol::ListGroupsResponse r;
    for (auto& p : parts) {
      // Shards led elsewhere are not ours to list; a loading one makes the
      // answer incomplete, so the client retries (Kafka's behaviour).
      if (p.error == coordinator::error::kNotCoordinator) continue;
      if (p.error) r.error_code = p.error;
      for (auto& g : p.groups) r.groups.push_back(std::move(g));
    }
    if (r.error_code) r.groups.clear();
    reply(std::move(r));
  });
  auto next = std::make_shared<std::atomic<size_t>>(0);
  ctx.groups->run_on_all([body, gather, next](coordinator::GroupCoordinatorShard* shard, int16_t error) {
    ShardGroups part;
    part.error = error;
    if (shard) shard->list_groups(body->states_filter, body->types_filter, part.groups);
    gather->set((*next)++, std::move(part));
  });
}

}  // namespace fjord::broker
