#include "broker/handlers/describe_groups_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/describe_groups_request.h"
#include "protocol/messages/describe_groups_response.h"

namespace fjord::broker {
namespace {

using Described = protocol::DescribeGroupsResponse::DescribedGroup;

// Without an authorizer Kafka reports every operation a group supports:
// READ (3), DELETE (6) and DESCRIBE (8), as a bit field.
constexpr int32_t kGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);

}  // namespace

void handle_describe_groups(BrokerContext& ctx, Request req, Responder out) {
  protocol::DescribeGroupsRequest body;
  if (!decode_body(req, &body)) return out.close();
  auto reply = reply_with<protocol::DescribeGroupsResponse>(req, std::move(out));
  if (body.groups.empty()) return reply(protocol::DescribeGroupsResponse{});
  const bool include_ops = req.api_version >= 3 && body.include_authorized_operations;
  auto gather = std::make_shared<Gather<Described>>(body.groups.size(), [reply, include_ops](std::vector<Described> groups) {
    protocol::DescribeGroupsResponse r;
    r.groups = std::move(groups);
    if (include_ops)
      for (auto& g : r.groups) g.authorized_operations = kGroupOperations;
    reply(std::move(r));
  });
  for (size_t i = 0; i < body.groups.size(); ++i) {
    on_group_shard(ctx, body.groups[i], [gather, i, id = body.groups[i]](coordinator::GroupCoordinatorShard* shard,
                                                                     int16_t error) {
      if (shard) return gather->set(i, shard->describe_group(id));
      Described d;
      d.group_id = id;
      d.error_code = error;
      gather->set(i, std::move(d));
    });
  }
}

}  // namespace fjord::broker
