#include "broker/handlers/describe_topic_partitions_handler.h"

#include <algorithm>
#include <set>

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/authorized_operations.h"
#include "broker/handlers/error_codes.h"
#include "broker/topics/internal_topics.h"
#include "broker/topics/topic_names.h"
#include "protocol/messages/describe_topic_partitions_request.h"
#include "protocol/messages/describe_topic_partitions_response.h"

namespace fjord::broker {
namespace {

using Response = protocol::DescribeTopicPartitionsResponse;

// Kafka's max.request.partition.size.limit default: the most partitions one
// response carries, whatever the request asks.
constexpr int32_t kMaxPartitionsPerResponse = 2000;

}  // namespace

// KIP-966: topics sorted by name, at most `response_partition_limit`
// partitions per answer, the rest behind `next_cursor`.
void handle_describe_topic_partitions(BrokerContext& ctx, Request req, Responder out) {
  protocol::DescribeTopicPartitionsRequest body;
  if (!decode_body(req, &body)) return out.close();
  const bool all_topics = body.topics.empty();
  const std::string cursor_topic = body.cursor ? body.cursor->topic_name : "";
  std::set<std::string> names;
  if (all_topics) {
    for (const auto& t : ctx.logs.topics())
      if (t.name >= cursor_topic) names.insert(t.name);
  } else {
    for (const auto& t : body.topics)
      if (t.name >= cursor_topic) names.insert(t.name);
    if (body.cursor && !names.count(body.cursor->topic_name)) {
      // Kafka fails the request (InvalidRequestException): every topic gets the error.
      Response resp;
      for (const auto& requested : body.topics) {
        auto& t = resp.topics.emplace_back();
        t.error_code = kafka_error::kInvalidRequest;
        t.name = requested.name;
      }
      return out.respond(encode_response(req, resp));
    }
  }
  const int32_t first_partition = body.cursor ? std::max(body.cursor->partition_index, 0) : 0;
  int32_t remaining = std::min(body.response_partition_limit, kMaxPartitionsPerResponse);
  Response resp;
  for (const auto& name : names) {
    if (remaining <= 0) {
      resp.next_cursor = Response::Cursor{name, 0};
      break;
    }
    auto info = ctx.logs.topic(name);
    if (!info) {
      if (all_topics) continue;  // deleted meanwhile
      auto& t = resp.topics.emplace_back();
      t.error_code = is_valid_topic_name(name) ? kafka_error::kUnknownTopicOrPartition : kafka_error::kInvalidTopic;
      t.name = name;
      t.is_internal = is_internal_topic(name);
      continue;
    }
    auto& t = resp.topics.emplace_back();
    t.name = name;
    t.topic_id = info->id;
    t.is_internal = is_internal_topic(name);
    t.topic_authorized_operations = kTopicOperations;
    const int32_t start = name == cursor_topic ? first_partition : 0;
    const int32_t end = std::min(info->partitions, start + remaining);
    for (int32_t p = start; p < end; ++p) {
      auto& part = t.partitions.emplace_back();
      part.partition_index = p;
      part.leader_id = ctx.node_id;
      part.leader_epoch = 0;  // the epoch every log stamps until replication moves leaders
      part.replica_nodes = {ctx.node_id};
      part.isr_nodes = {ctx.node_id};
      part.eligible_leader_replicas = std::vector<int32_t>{};
      part.last_known_elr = std::vector<int32_t>{};
    }
    if (end < info->partitions) {
      resp.next_cursor = Response::Cursor{name, end};
      break;
    }
    remaining -= std::max(end - start, 0);
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
