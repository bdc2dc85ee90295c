#include "broker/handlers/list_partition_reassignments_handler.h"

#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "protocol/messages/list_partition_reassignments_request.h"
#include "protocol/messages/list_partition_reassignments_response.h"

namespace fjord::broker {

// One broker never moves a replica: there is no reassignment in progress,
// for any topic asked about (Kafka lists only ongoing ones).
void handle_list_partition_reassignments(BrokerContext&, Request req, Responder out) {
  protocol::ListPartitionReassignmentsRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::ListPartitionReassignmentsResponse resp;
  resp.error_message = std::nullopt;
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
