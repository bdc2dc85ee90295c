#include "broker/handlers/delete_records_handler.h"

#include <spdlog/spdlog.h>

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "broker/topics/internal_topics.h"
#include "protocol/messages/delete_records_request.h"
#include "protocol/messages/delete_records_response.h"

namespace fjord::broker {
namespace {

constexpr int64_t kHighWatermark = -1;  // DeleteRecordsRequest.HIGH_WATERMARK

// Kafka's ReplicaManager.deleteRecordsOnLocalLog for one partition.
int16_t delete_one(BrokerContext& ctx, const std::string& topic, int32_t partition, int64_t offset,
                   int64_t* low_watermark) {
  *low_watermark = -1;
  auto log = ctx.logs.partition(topic, partition);
  if (!log) return kafka_error::kUnknownTopicOrPartition;
  if (is_internal_topic(topic)) return kafka_error::kInvalidTopic;  // "Cannot delete records of internal topic"
  if (!log->config().cleanup_delete) return kafka_error::kPolicyViolation;  // compacted only: no log-start moves
  if (offset < 0 && offset != kHighWatermark) return kafka_error::kOffsetOutOfRange;
  auto e = log->delete_records_before(offset, low_watermark);
  if (e != storage::Errc::ok) {
    *low_watermark = -1;
    return kafka_error::from_storage(e);
  }
  // Parked fetches below the new start answer now (OFFSET_OUT_OF_RANGE).
  ctx.waiters.notify(topic, partition);
  return kafka_error::kNone;
}

}  // namespace

void handle_delete_records(BrokerContext& ctx, Request req, Responder out) {
  protocol::DeleteRecordsRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::DeleteRecordsResponse resp;
  for (const auto& t : body.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      pr.error_code = delete_one(ctx, t.name, p.partition_index, p.offset, &pr.low_watermark);
      if (pr.error_code == kafka_error::kNone)
        spdlog::info("deleted records of {}-{} below {}", t.name, p.partition_index, pr.low_watermark);
    }
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
