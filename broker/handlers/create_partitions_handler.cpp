#include "broker/handlers/create_partitions_handler.h"

#include <spdlog/spdlog.h>

#include <map>

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "broker/topics/internal_topics.h"
#include "protocol/messages/create_partitions_request.h"
#include "protocol/messages/create_partitions_response.h"

namespace fjord::broker {
namespace {

using Topic = protocol::CreatePartitionsRequest::CreatePartitionsTopic;
using Result = protocol::CreatePartitionsResponse::CreatePartitionsTopicResult;

void fail(Result& r, int16_t code, std::optional<std::string> message) {
  r.error_code = code;
  r.error_message = std::move(message);
}

// Kafka's ReplicationControlManager.createPartitions checks, on one node.
void create_one(BrokerContext& ctx, const Topic& t, bool validate_only, Result& r) {
  // The coordinators' state is partitioned by the partition count.
  if (is_internal_topic(t.name))
    return fail(r, kafka_error::kInvalidRequest,
                "The number of partitions for the internal topic " + t.name + " cannot be changed.");
  auto info = ctx.logs.topic(t.name);
  if (!info) return fail(r, kafka_error::kUnknownTopicOrPartition, "The topic '" + t.name + "' does not exist.");
  const int32_t current = info->partitions;
  if (t.count < current)
    return fail(r, kafka_error::kInvalidPartitions,
                "The topic " + t.name + " currently has " + std::to_string(current) + " partition(s); " +
                    std::to_string(t.count) + " would not be an increase.");
  if (t.count == current)
    return fail(r, kafka_error::kInvalidPartitions, "Topic already has " + std::to_string(current) + " partition(s).");
  if (t.assignments) {
    const int32_t adding = t.count - current;
    if (int32_t(t.assignments->size()) != adding)
      return fail(r, kafka_error::kInvalidReplicaAssignment,
                  "Attempted to add " + std::to_string(adding) + " additional partition(s), but only " +
                      std::to_string(t.assignments->size()) + " assignment(s) were specified.");
    // One broker: a replica list can only name this node, once.
    for (const auto& a : *t.assignments) {
      for (int32_t id : a.broker_ids)
        if (id != ctx.node_id)
          return fail(r, kafka_error::kInvalidReplicaAssignment,
                      "The manual partition assignment includes broker " + std::to_string(id) +
                          ", but no such broker is registered.");
      if (a.broker_ids.size() != 1)
        return fail(r, kafka_error::kInvalidReplicaAssignment,
                    "The manual partition assignment includes a partition with " +
                        std::to_string(a.broker_ids.size()) +
                        " replica(s), but this is not consistent with previous partitions, which have 1 replica(s).");
    }
  }
  if (validate_only) return;
  auto e = ctx.logs.add_partitions(t.name, t.count);
  if (e != storage::Errc::ok) return fail(r, kafka_error::from_storage(e), storage::to_string(e));
  spdlog::info("topic '{}' now has {} partitions", t.name, t.count);
}

}  // namespace

void handle_create_partitions(BrokerContext& ctx, Request req, Responder out) {
  protocol::CreatePartitionsRequest body;
  if (!decode_body(req, &body)) return out.close();
  std::map<std::string, int> counts;
  for (const auto& t : body.topics) ++counts[t.name];
  protocol::CreatePartitionsResponse resp;
  for (const auto& t : body.topics) {
    auto& r = resp.results.emplace_back();
    r.name = t.name;
    if (counts[t.name] > 1) fail(r, kafka_error::kInvalidRequest, "Duplicate topic name.");
    else create_one(ctx, t, body.validate_only, r);
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
