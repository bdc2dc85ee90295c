#include "broker/handlers/delete_topics_handler.h"

#include <spdlog/spdlog.h>

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "broker/topics/internal_topics.h"
#include "protocol/messages/delete_topics_request.h"
#include "protocol/messages/delete_topics_response.h"

namespace fjord::broker {
namespace {

using Result = protocol::DeleteTopicsResponse::DeletableTopicResult;

void delete_one(BrokerContext& ctx, std::optional<std::string> name, const protocol::Uuid& id, Result& r) {
  r.name = name;
  r.topic_id = id;
  if (!ctx.config.delete_topic_enable) {
    r.error_code = kafka_error::kTopicDeletionDisabled;
    r.error_message = "Topic deletion is disabled.";
    return;
  }
  const bool has_name = name && !name->empty();
  if (has_name && !id.is_zero()) {
    r.error_code = kafka_error::kInvalidRequest;
    r.error_message = "Topic name and topic id cannot both be set";
    return;
  }
  std::optional<storage::TopicInfo> info = has_name ? ctx.logs.topic(*name) : ctx.logs.topic_by_id(id);
  if (!info) {
    r.error_code = has_name ? kafka_error::kUnknownTopicOrPartition : kafka_error::kUnknownTopicId;
    r.error_message = has_name ? "This server does not host this topic-partition." : "This server does not host this topic ID.";
    return;
  }
  r.name = info->name;
  r.topic_id = info->id;
  if (is_internal_topic(info->name)) {
    // The coordinators' state lives there.
    r.error_code = kafka_error::kInvalidRequest;
    r.error_message = "Topic " + info->name + " is an internal topic and cannot be deleted.";
    return;
  }
  auto e = ctx.logs.delete_topic(info->name);
  if (e != storage::Errc::ok) {
    r.error_code = kafka_error::from_storage(e);
    r.error_message = storage::to_string(e);
    return;
  }
  spdlog::info("deleted topic '{}'", info->name);
  // Parked fetches on the topic answer now (with UNKNOWN_TOPIC_OR_PARTITION).
  for (int32_t p = 0; p < info->partitions; ++p) ctx.waiters.notify(info->name, p);
}

}  // namespace

void handle_delete_topics(BrokerContext& ctx, Request req, Responder out) {
  protocol::DeleteTopicsRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::DeleteTopicsResponse resp;
  if (req.api_version >= 6) {
    for (const auto& t : body.topics) delete_one(ctx, t.name, t.topic_id, resp.responses.emplace_back());
  } else {
    for (const auto& name : body.topic_names) delete_one(ctx, name, {}, resp.responses.emplace_back());
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
