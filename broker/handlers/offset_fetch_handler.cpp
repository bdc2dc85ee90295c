#include "broker/handlers/offset_fetch_handler.h"

#include "broker/coordinator/group_coordinator.h"
#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "protocol/messages/offset_fetch_request.h"
#include "protocol/messages/offset_fetch_response.h"

namespace fjord::broker {
namespace {

using Response = protocol::OffsetFetchResponse;
using GroupAnswer = Response::OffsetFetchResponseGroup;
using Topics = coordinator::GroupCoordinatorShard::FetchTopics;

// One group's offsets, or its shard's error with every asked partition
// (the partitions carry it for v0-1, which have no group-level error).
void fetch_group(BrokerContext& ctx, const std::string& group_id, Topics topics, bool require_stable,
                 std::function<void(GroupAnswer)> done) {
  on_group_shard(ctx, group_id, [group_id, topics = std::move(topics), require_stable, done](
                                coordinator::GroupCoordinatorShard* shard, int16_t error) {
    if (shard) return done(shard->fetch_offsets(group_id, topics, require_stable));
    GroupAnswer g;
    g.group_id = group_id;
    g.error_code = error;
    if (topics) {
      for (const auto& [name, partitions] : *topics) {
        auto& t = g.topics.emplace_back();
        t.name = name;
        for (int32_t p : partitions) {
          auto& rp = t.partitions.emplace_back();
          rp.partition_index = p;
          rp.committed_offset = -1;
          rp.error_code = error;
        }
      }
    }
    done(std::move(g));
  });
}

}  // namespace

void handle_offset_fetch(BrokerContext& ctx, Request req, Responder out) {
  protocol::OffsetFetchRequest body;
  if (!decode_body(req, &body)) return out.close();
  auto reply = reply_with<Response>(req, std::move(out));
  const int16_t version = req.api_version;

  if (version < 8) {
    Topics topics;
    if (body.topics) {
      topics.emplace();
      for (const auto& t : *body.topics) topics->push_back({t.name, t.partition_indexes});
    }
    fetch_group(ctx, body.group_id, std::move(topics), body.require_stable, [reply, version](GroupAnswer g) {
      Response r;
      r.error_code = g.error_code;
      // A group error: v2+ say it once at the top; v0-1 in every partition.
      if (version >= 2 && g.error_code) return reply(std::move(r));
      for (auto& t : g.topics) {
        auto& rt = r.topics.emplace_back();
        rt.name = std::move(t.name);
        for (auto& p : t.partitions)
          rt.partitions.push_back({p.partition_index, p.committed_offset, p.committed_leader_epoch,
                                   std::move(p.metadata), p.error_code});
      }
      reply(std::move(r));
    });
    return;
  }

  // v8+: several groups, each answered by its own shard.
  if (body.groups.empty()) return reply(Response{});
  auto gather = std::make_shared<Gather<GroupAnswer>>(body.groups.size(), [reply](std::vector<GroupAnswer> groups) {
    Response r;
    r.groups = std::move(groups);
    reply(std::move(r));
  });
  for (size_t i = 0; i < body.groups.size(); ++i) {
    const auto& g = body.groups[i];
    Topics topics;
    if (g.topics) {
      topics.emplace();
      for (const auto& t : *g.topics) topics->push_back({t.name, t.partition_indexes});
    }
    fetch_group(ctx, g.group_id, std::move(topics), body.require_stable,
                [gather, i](GroupAnswer a) { gather->set(i, std::move(a)); });
  }
}

}  // namespace fjord::broker
