#include "broker/handlers/alter_partition_reassignments_handler.h"

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/alter_partition_reassignments_request.h"
#include "protocol/messages/alter_partition_reassignments_response.h"

namespace fjord::broker {

// Kafka's answers on a one-broker cluster: moving a replica anywhere else
// names a broker that does not exist; "moving" it to where it is completes
// at once; cancelling finds nothing in progress.
void handle_alter_partition_reassignments(BrokerContext& ctx, Request req, Responder out) {
  protocol::AlterPartitionReassignmentsRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::AlterPartitionReassignmentsResponse resp;
  resp.error_message = std::nullopt;
  for (const auto& t : body.topics) {
    auto& tr = resp.responses.emplace_back();
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      pr.error_message = std::nullopt;
      if (!ctx.logs.partition(t.name, p.partition_index)) {
        pr.error_code = kafka_error::kUnknownTopicOrPartition;
        pr.error_message = "Unable to find partition " + t.name + "-" + std::to_string(p.partition_index) + ".";
      } else if (!p.replicas) {
        pr.error_code = kafka_error::kNoReassignmentInProgress;
        pr.error_message = "No ongoing reassignment for partition " + t.name + "-" +
                           std::to_string(p.partition_index) + ".";
      } else if (p.replicas->empty()) {
        pr.error_code = kafka_error::kInvalidReplicaAssignment;
        pr.error_message = "The manual partition assignment includes an empty replica list.";
      } else {
        for (int32_t id : *p.replicas) {
          if (id != ctx.node_id) {
            pr.error_code = kafka_error::kInvalidReplicaAssignment;
            pr.error_message = "The manual partition assignment includes broker " + std::to_string(id) +
                               ", but no such broker is registered.";
            break;
          }
        }
        if (pr.error_code == kafka_error::kNone && p.replicas->size() > 1) {
          pr.error_code = kafka_error::kInvalidReplicaAssignment;
          pr.error_message = "The manual partition assignment includes the same replica more than once.";
        }
      }
    }
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
