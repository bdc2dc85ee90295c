#include "broker/handlers/offset_for_leader_epoch_handler.h"

#include "broker/cluster/leader_epoch_fence.h"
#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/offset_for_leader_epoch_request.h"
#include "protocol/messages/offset_for_leader_epoch_response.h"

namespace fjord::broker {

void handle_offset_for_leader_epoch(BrokerContext& ctx, Request req, Responder out) {
  protocol::OffsetForLeaderEpochRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::OffsetForLeaderEpochResponse resp;
  resp.topics.reserve(body.topics.size());
  for (const auto& topic : body.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.topic = topic.topic;
    tr.partitions.reserve(topic.partitions.size());
    for (const auto& p : topic.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition = p.partition;
      auto log = ctx.logs.partition(topic.topic, p.partition);
      if (!log) {
        pr.error_code = kafka_error::kUnknownTopicOrPartition;
        continue;
      }
      pr.error_code = leader_epoch_fence(p.current_leader_epoch, log->leader_epoch());
      if (pr.error_code != kafka_error::kNone) continue;
      // An epoch this log never had (or one newer than its latest) answers
      // {-1, -1} without an error, as Kafka does.
      auto [epoch, end_offset] = log->end_offset_for_epoch(p.leader_epoch);
      pr.leader_epoch = epoch;
      pr.end_offset = end_offset;
    }
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
