#include "broker/handlers/describe_producers_handler.h"

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/describe_producers_request.h"
#include "protocol/messages/describe_producers_response.h"

namespace fjord::broker {

void handle_describe_producers(BrokerContext& ctx, Request req, Responder out) {
  protocol::DescribeProducersRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::DescribeProducersResponse resp;
  for (const auto& topic : body.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = topic.name;
    for (int32_t index : topic.partition_indexes) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = index;
      auto log = ctx.logs.partition(topic.name, index);
      if (!log) {
        pr.error_code = kafka_error::kUnknownTopicOrPartition;
        continue;
      }
      for (const auto& e : log->producer_states()) {
        auto& ps = pr.active_producers.emplace_back();
        ps.producer_id = e.producer_id;
        ps.producer_epoch = e.epoch;
        ps.last_sequence = e.last_seq();
        ps.last_timestamp = e.last_timestamp;
        ps.coordinator_epoch = e.coordinator_epoch;
        ps.current_txn_start_offset = e.txn_first_offset;
      }
    }
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
