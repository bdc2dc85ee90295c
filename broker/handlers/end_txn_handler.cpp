#include "broker/handlers/end_txn_handler.h"

#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "broker/handlers/txn_reply.h"
#include "protocol/messages/end_txn_request.h"
#include "protocol/messages/end_txn_response.h"

namespace fjord::broker {

void handle_end_txn(BrokerContext& ctx, Request req, Responder out) {
  protocol::EndTxnRequest body;
  if (!decode_body(req, &body)) return out.close();
  auto reply = reply_with<protocol::EndTxnResponse>(req, std::move(out));
  const int16_t version = req.api_version;
  const auto answer = [reply, version](int16_t error) {
    protocol::EndTxnResponse r;
    r.error_code = fenced_error_for(error, version, 2);
    reply(std::move(r));
  };
  const std::string id = body.transactional_id;  // before the body moves into the callback
  on_txn_shard(ctx, id,
               [body = std::move(body), answer](coordinator::TransactionCoordinatorShard* shard, int16_t error) {
                 if (!shard) return answer(error);
                 shard->end_txn(body.transactional_id, {body.producer_id, body.producer_epoch}, body.committed, answer);
               });
}

}  // namespace fjord::broker
