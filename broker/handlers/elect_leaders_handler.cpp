#include "broker/handlers/elect_leaders_handler.h"

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/elect_leaders_request.h"
#include "protocol/messages/elect_leaders_response.h"

namespace fjord::broker {

// The only replica is the preferred one and leads already: every partition
// asked about needs no election (ELECTION_NOT_NEEDED); asked about all of
// them (null), Kafka lists only partitions that had an election, so none.
void handle_elect_leaders(BrokerContext& ctx, Request req, Responder out) {
  protocol::ElectLeadersRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::ElectLeadersResponse resp;
  if (req.api_version >= 1 && body.election_type != 0 && body.election_type != 1) {
    resp.error_code = kafka_error::kInvalidRequest;
    return out.respond(encode_response(req, resp));
  }
  if (body.topic_partitions) {
    for (const auto& t : *body.topic_partitions) {
      auto& tr = resp.replica_election_results.emplace_back();
      tr.topic = t.topic;
      for (int32_t p : t.partitions) {
        auto& pr = tr.partition_result.emplace_back();
        pr.partition_id = p;
        if (!ctx.logs.partition(t.topic, p)) {
          pr.error_code = kafka_error::kUnknownTopicOrPartition;
          pr.error_message = "The partition does not exist.";
        } else {
          pr.error_code = kafka_error::kElectionNotNeeded;
          pr.error_message = "Leader election not needed for topic partition.";
        }
      }
    }
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
