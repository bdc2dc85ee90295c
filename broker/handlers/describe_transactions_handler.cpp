#include "broker/handlers/describe_transactions_handler.h"

#include <memory>

#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "broker/handlers/txn_reply.h"
#include "protocol/messages/describe_transactions_request.h"
#include "protocol/messages/describe_transactions_response.h"

namespace fjord::broker {
namespace {

using Response = protocol::DescribeTransactionsResponse;
using State = Response::TransactionState;

// Kafka's TransactionCoordinator.handleDescribeTransactions for one id.
State describe(const coordinator::TransactionCoordinatorShard& shard, const std::string& id) {
  State s;
  s.transactional_id = id;
  if (id.empty()) {
    s.error_code = kafka_error::kInvalidRequest;
    return s;
  }
  const coordinator::TransactionMetadata* md = shard.transaction(id);
  if (!md || md->state() == coordinator::TxnState::dead) {  // Dead: being expired
    s.error_code = kafka_error::kTransactionalIdNotFound;
    return s;
  }
  s.transaction_state = std::string(coordinator::txn_state_name(md->state()));
  s.transaction_timeout_ms = md->timeout_ms();
  s.transaction_start_time_ms = md->start_timestamp();
  s.producer_id = md->producer_id();
  s.producer_epoch = md->producer_epoch();
  for (const auto& [topic, partition] : md->partitions()) {
    if (s.topics.empty() || s.topics.back().topic != topic) s.topics.emplace_back().topic = topic;
    s.topics.back().partitions.push_back(partition);
  }
  return s;
}

}  // namespace

void handle_describe_transactions(BrokerContext& ctx, Request req, Responder out) {
  protocol::DescribeTransactionsRequest body;
  if (!decode_body(req, &body)) return out.close();
  auto reply = reply_with<Response>(req, std::move(out));
  if (body.transactional_ids.empty()) return reply(Response{});
  auto gather = std::make_shared<Gather<State>>(body.transactional_ids.size(), [reply](std::vector<State> states) {
    Response r;
    r.transaction_states = std::move(states);
    reply(std::move(r));
  });
  for (size_t i = 0; i < body.transactional_ids.size(); ++i) {
    const std::string& id = body.transactional_ids[i];
    on_txn_shard(ctx, id, [gather, i, id](coordinator::TransactionCoordinatorShard* shard, int16_t error) {
      if (shard) return gather->set(i, describe(*shard, id));
      State s;
      s.transactional_id = id;
      s.error_code = error;
      gather->set(i, std::move(s));
    });
  }
}

}  // namespace fjord::broker
