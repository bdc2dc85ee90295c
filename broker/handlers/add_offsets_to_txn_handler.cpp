#include "broker/handlers/add_offsets_to_txn_handler.h"

#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "broker/handlers/txn_reply.h"
#include "broker/topics/internal_topics.h"
#include "protocol/messages/add_offsets_to_txn_request.h"
#include "protocol/messages/add_offsets_to_txn_response.h"

namespace fjord::broker {

void handle_add_offsets_to_txn(BrokerContext& ctx, Request req, Responder out) {
  protocol::AddOffsetsToTxnRequest body;
  if (!decode_body(req, &body)) return out.close();
  auto reply = reply_with<protocol::AddOffsetsToTxnResponse>(req, std::move(out));
  const int16_t version = req.api_version;
  const auto answer = [reply, version](int16_t error) {
    protocol::AddOffsetsToTxnResponse r;
    r.error_code = fenced_error_for(error, version, 2);
    reply(std::move(r));
  };
  if (!ctx.groups) return answer(kafka_error::kCoordinatorNotAvailable);
  // The partition the group's offsets (and so its transaction marker) go to.
  const std::set<coordinator::TopicPartition> partitions{
      {std::string(kConsumerOffsetsTopic), ctx.groups->partition_for(body.group_id)}};
  const std::string id = body.transactional_id;  // before the body moves into the callback
  on_txn_shard(ctx, id,
               [body = std::move(body), partitions, answer](coordinator::TransactionCoordinatorShard* shard,
                                                            int16_t error) {
                 if (!shard) return answer(error);
                 shard->add_partitions(body.transactional_id, {body.producer_id, body.producer_epoch}, partitions,
                                       answer);
               });
}

}  // namespace fjord::broker
