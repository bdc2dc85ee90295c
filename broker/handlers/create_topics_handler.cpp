#include "broker/handlers/create_topics_handler.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "broker/config/config_manager.h"
#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "broker/topics/topic_names.h"
#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/create_topics_response.h"

namespace fjord::broker {
namespace {

using Result = protocol::CreateTopicsResponse::CreatableTopicResult;

void fail(Result& r, int16_t code, std::string message) {
  r.error_code = code;
  r.error_message = std::move(message);
  r.configs = std::nullopt;
}

void create_one(BrokerContext& ctx, const protocol::CreateTopicsRequest::CreatableTopic& t, bool validate_only,
                int16_t version, Result& r) {
  r.name = t.name;
  r.error_message = std::nullopt;
  if (std::string why = topic_name_error(t.name); !why.empty()) return fail(r, kafka_error::kInvalidTopic, why);
  int32_t partitions = t.num_partitions;
  int16_t replication = t.replication_factor;
  if (!t.assignments.empty()) {
    if (partitions != -1 || replication != -1)
      return fail(r, kafka_error::kInvalidRequest,
                  "Both numPartitions or replicationFactor and replicasAssignments were set");
    partitions = static_cast<int32_t>(t.assignments.size());
    std::set<int32_t> seen;
    for (const auto& a : t.assignments) {
      if (a.partition_index < 0 || a.partition_index >= partitions || !seen.insert(a.partition_index).second)
        return fail(r, kafka_error::kInvalidReplicaAssignment, "Partitions must be numbered 0.." +
                                                                   std::to_string(partitions - 1));
      if (a.broker_ids.size() != 1 || a.broker_ids[0] != ctx.node_id)
        return fail(r, kafka_error::kInvalidReplicaAssignment,
                    "Replica assignment must name only broker " + std::to_string(ctx.node_id));
    }
    replication = 1;
  }
  if (partitions == -1) partitions = ctx.config.num_partitions;
  if (replication == -1) replication = ctx.config.default_replication_factor;
  if (partitions <= 0) return fail(r, kafka_error::kInvalidPartitions, "Number of partitions must be larger than 0.");
  if (replication <= 0)
    return fail(r, kafka_error::kInvalidReplicationFactor, "Replication factor must be larger than 0.");
  if (replication > 1)
    return fail(r, kafka_error::kInvalidReplicationFactor,
                "Replication factor: " + std::to_string(replication) +
                    " larger than available brokers: 1.");

  std::map<std::string, std::string> overrides;
  for (const auto& c : t.configs) {
    if (!c.value) continue;  // null = use the default
    overrides[c.name] = *c.value;
  }
  storage::TopicInfo info;
  std::string message;
  auto e = validate_only ? ctx.logs.validate_topic(t.name, partitions, overrides, &info, &message)
                         : ctx.logs.create_topic(t.name, partitions, overrides, &info, &message);
  if (e == storage::Errc::ok && validate_only && ctx.logs.topic(t.name)) e = storage::Errc::topic_exists;
  if (e != storage::Errc::ok) {
    if (e == storage::Errc::topic_exists) message = "Topic '" + t.name + "' already exists.";
    if (message.empty()) message = storage::to_string(e);
    return fail(r, kafka_error::from_storage(e), message);
  }
  if (!validate_only) spdlog::info("created topic '{}' with {} partitions", t.name, info.partitions);
  r.topic_id = info.id;
  r.num_partitions = info.partitions;
  r.replication_factor = replication;
  if (version >= 5) {
    r.configs.emplace();
    for (auto& entry : ctx.configs->describe_topic(info)) {
      auto& c = r.configs->emplace_back();
      c.name = std::move(entry.name);
      c.value = entry.sensitive ? std::nullopt : std::move(entry.value);
      c.read_only = entry.read_only;
      c.is_sensitive = entry.sensitive;
      c.config_source = int8_t(entry.source);
    }
  }
}

}  // namespace

void handle_create_topics(BrokerContext& ctx, Request req, Responder out) {
  protocol::CreateTopicsRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::CreateTopicsResponse resp;
  std::map<std::string, int> counts;
  for (const auto& t : body.topics) ++counts[t.name];
  for (const auto& t : body.topics) {
    auto& r = resp.topics.emplace_back();
    if (counts[t.name] > 1) {
      r.name = t.name;
      fail(r, kafka_error::kInvalidRequest, "Create topics request from client contains a duplicate topic");
      continue;
    }
    create_one(ctx, t, body.validate_only, req.api_version, r);
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
