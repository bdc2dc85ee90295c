#include "broker/handlers/fetch_handler.h"

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/fetch/fetch_operation.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"

namespace fjord::broker {

void handle_fetch(BrokerContext& ctx, Request req, Responder out) {
  protocol::FetchRequest body;
  if (!decode_body(req, &body)) return out.close();
  const int16_t v = req.api_version;
  const bool by_id = v >= 13;  // v13+ names topics by id only

  std::vector<FetchTarget> targets;
  std::vector<FetchFailure> failures;
  for (const auto& topic : body.topics) {
    std::string name = topic.topic;
    if (by_id) {
      auto info = ctx.logs.topic_by_id(topic.topic_id);
      if (!info) {
        for (const auto& p : topic.partitions)
          failures.push_back({topic.topic_id, "", p.partition, kafka_error::kUnknownTopicId});
        continue;
      }
      name = info->name;
    }
    for (const auto& p : topic.partitions) {
      FetchTarget t;
      t.key = {name, p.partition};
      t.topic_id = by_id ? topic.topic_id : protocol::Uuid{};
      t.fetch_offset = p.fetch_offset;
      t.current_leader_epoch = p.current_leader_epoch;
      t.max_bytes = p.partition_max_bytes;
      targets.push_back(std::move(t));
    }
  }

  FetchContext session;
  if (v >= 7) {
    std::vector<SessionPartition> forgotten;
    for (const auto& f : body.forgotten_topics_data) {
      std::string name = f.topic;
      if (by_id) {
        auto info = ctx.logs.topic_by_id(f.topic_id);
        if (!info) continue;
        name = info->name;
      }
      for (int32_t p : f.partitions) forgotten.push_back({name, p});
    }
    session = ctx.fetch_sessions.open(body.session_id, body.session_epoch, std::move(targets), forgotten);
    if (session.error != 0) {
      protocol::FetchResponse resp;
      resp.error_code = session.error;
      return out.respond(encode_response(req, resp));
    }
  } else {
    session.targets = std::move(targets);
  }

  FetchLimits limits;
  limits.max_wait_ms = body.max_wait_ms;
  limits.min_bytes = body.min_bytes;
  limits.max_bytes = v >= 3 ? body.max_bytes : INT32_MAX;
  limits.read_committed = v >= 4 && body.isolation_level == 1;
  auto op = std::make_shared<FetchOperation>(ctx, std::move(req), std::move(out), limits, std::move(session),
                                             std::move(failures));
  op->start();
}

}  // namespace fjord::broker
