#include "broker/handlers/metadata_handler.h"

#include <limits>

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/authorized_operations.h"
#include "broker/handlers/error_codes.h"
#include "broker/topics/auto_create.h"
#include "broker/topics/internal_topics.h"
#include "broker/topics/topic_names.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/metadata_response.h"

namespace fjord::broker {
namespace {

using Response = protocol::MetadataResponse;

Response::MetadataResponseTopic describe(const BrokerContext& ctx, const storage::TopicInfo& info,
                                         bool include_ops) {
  Response::MetadataResponseTopic t;
  t.name = info.name;
  t.topic_id = info.id;
  t.is_internal = is_internal_topic(info.name);
  t.partitions.reserve(static_cast<size_t>(info.partitions));
  for (int32_t p = 0; p < info.partitions; ++p) {
    Response::MetadataResponsePartition part;
    part.partition_index = p;
    part.leader_id = ctx.node_id;
    part.leader_epoch = 0;  // the epoch every log stamps until replication moves leaders
    part.replica_nodes = {ctx.node_id};
    part.isr_nodes = {ctx.node_id};
    t.partitions.push_back(std::move(part));
  }
  if (include_ops) t.topic_authorized_operations = kTopicOperations;
  return t;
}

Response::MetadataResponseTopic topic_error(std::optional<std::string> name, const protocol::Uuid& id,
                                            int16_t error) {
  Response::MetadataResponseTopic t;
  t.error_code = error;
  t.name = std::move(name);
  t.topic_id = id;
  return t;
}

}  // namespace

void handle_metadata(BrokerContext& ctx, Request req, Responder out) {
  protocol::MetadataRequest body;
  if (!decode_body(req, &body)) return out.close();
  const int16_t v = req.api_version;

  Response resp;
  Response::MetadataResponseBroker self;
  self.node_id = ctx.node_id;
  const auto& endpoint = ctx.advertised_for(req.listener);
  self.host = endpoint.host;
  self.port = endpoint.port;
  resp.brokers.push_back(std::move(self));
  resp.cluster_id = ctx.cluster_id;
  resp.controller_id = ctx.node_id;  // never -1: admin clients send to it
  if (body.include_cluster_authorized_operations) resp.cluster_authorized_operations = kClusterOperations;
  const bool include_ops = body.include_topic_authorized_operations;

  // v0: an empty list means all topics; v1+: null means all, empty none.
  const bool all_topics = !body.topics || (v == 0 && body.topics->empty());
  if (all_topics) {
    // Internal topics only when asked for by name.
    for (const auto& info : ctx.logs.topics())
      if (!is_internal_topic(info.name)) resp.topics.push_back(describe(ctx, info, include_ops));
    return out.respond(encode_response(req, resp));
  }

  // Auto-creation needs the broker setting and, from v4, the client's consent.
  const bool may_create = ctx.config.auto_create_topics_enable && (v < 4 || body.allow_auto_topic_creation);
  for (const auto& requested : *body.topics) {
    const bool by_id = (!requested.name || requested.name->empty()) && !requested.topic_id.is_zero();
    if (by_id) {
      auto info = ctx.logs.topic_by_id(requested.topic_id);
      if (info) resp.topics.push_back(describe(ctx, *info, include_ops));
      else resp.topics.push_back(topic_error(std::nullopt, requested.topic_id, kafka_error::kUnknownTopicId));
      continue;
    }
    const std::string name = requested.name.value_or("");
    if (auto info = ctx.logs.topic(name)) {
      resp.topics.push_back(describe(ctx, *info, include_ops));
      continue;
    }
    if (!is_valid_topic_name(name)) {
      resp.topics.push_back(topic_error(name, {}, kafka_error::kInvalidTopic));
      continue;
    }
    if (!may_create) {
      resp.topics.push_back(topic_error(name, {}, kafka_error::kUnknownTopicOrPartition));
      continue;
    }
    auto e = auto_create_topic(ctx, name);
    // Like Kafka, a topic created by this request is reported as not yet
    // having a leader; the client retries and sees it on the next refresh.
    int16_t err = e == storage::Errc::ok ? kafka_error::kLeaderNotAvailable : kafka_error::from_storage(e);
    resp.topics.push_back(topic_error(name, {}, err));
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
