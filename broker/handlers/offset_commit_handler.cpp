#include "broker/handlers/offset_commit_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/offset_commit_request.h"
#include "protocol/messages/offset_commit_response.h"

namespace fjord::broker {

void handle_offset_commit(BrokerContext& ctx, Request req, Responder out) {
  auto body = std::make_shared<protocol::OffsetCommitRequest>();
  if (!decode_body(req, body.get())) return out.close();
  auto reply = reply_with<protocol::OffsetCommitResponse>(req, std::move(out));
  const int16_t version = req.api_version;
  // The empty group id is allowed here, for old clients (Kafka's isGroupIdNotNull).
  on_group_shard(ctx, body->group_id, [body, reply, version](coordinator::GroupCoordinatorShard* shard, int16_t error) {
    if (shard) return shard->commit_offsets(*body, version, reply);
    protocol::OffsetCommitResponse r;
    for (const auto& t : body->topics) {
      auto& rt = r.topics.emplace_back();
      rt.name = t.name;
      for (const auto& p : t.partitions) rt.partitions.push_back({p.partition_index, error});
    }
    reply(std::move(r));
  });
}

}  // namespace fjord::broker
