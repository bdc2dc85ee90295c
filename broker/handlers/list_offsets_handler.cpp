#include "broker/handlers/list_offsets_handler.h"

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/list_offsets_response.h"

namespace fjord::broker {
namespace {

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
constexpr int64_t kMaxTimestamp = -3;
constexpr int64_t kEarliestLocal = -4;
constexpr int64_t kLatestTiered = -5;

}  // namespace

void handle_list_offsets(BrokerContext& ctx, Request req, Responder out) {
  protocol::ListOffsetsRequest body;
  if (!decode_body(req, &body)) return out.close();
  const int16_t v = req.api_version;
  protocol::ListOffsetsResponse resp;
  for (const auto& topic : body.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = topic.name;
    for (const auto& p : topic.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      auto log = ctx.logs.partition(topic.name, p.partition_index);
      if (!log) {
        pr.error_code = kafka_error::kUnknownTopicOrPartition;
        continue;
      }
      // Single node: the leader epoch is always 0.
      if (p.current_leader_epoch > 0) {
        pr.error_code = kafka_error::kUnknownLeaderEpoch;
        continue;
      }
      int64_t offset = -1, timestamp = -1;
      switch (p.timestamp) {
        case kLatest:
          offset = log->high_watermark();  // no transactions: LSO == HW
          break;
        case kEarliest:
        case kEarliestLocal:
          offset = log->log_start_offset();
          break;
        case kMaxTimestamp: {
          auto [o, ts] = log->max_timestamp_offset();
          offset = o;
          timestamp = ts;
          break;
        }
        case kLatestTiered:
          break;  // no tiered storage: nothing uploaded
        default:
          if (p.timestamp < 0) {
            pr.error_code = kafka_error::kInvalidRequest;
            continue;
          }
          if (auto found = log->offset_for_timestamp(p.timestamp)) {
            offset = found->first;
            timestamp = found->second;
          }
      }
      if (v == 0) {
        // v0 answers with a list of offsets (at most max_num_offsets).
        if (offset >= 0 && p.max_num_offsets > 0) pr.old_style_offsets.push_back(offset);
        continue;
      }
      pr.offset = offset;
      pr.timestamp = timestamp;
      pr.leader_epoch = offset >= 0 ? 0 : -1;
    }
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
