#include "broker/handlers/list_transactions_handler.h"

#include <atomic>
#include <memory>
#include <set>

#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "broker/handlers/txn_reply.h"
#include "protocol/messages/list_transactions_request.h"
#include "protocol/messages/list_transactions_response.h"

namespace fjord::broker {
namespace {

using Response = protocol::ListTransactionsResponse;
using Listed = std::vector<Response::TransactionState>;

// One shard's answer: its transactions, or its error.
struct ShardAnswer {
  int16_t error = 0;
  Listed states;
};

}  // namespace

void handle_list_transactions(BrokerContext& ctx, Request req, Responder out) {
  protocol::ListTransactionsRequest body;
  if (!decode_body(req, &body)) return out.close();
  auto reply = reply_with<Response>(req, std::move(out));
  Response resp;
  std::set<coordinator::TxnState> states;
  for (const auto& name : body.state_filters) {
    if (auto s = coordinator::txn_state_from_name(name)) states.insert(*s);
    else resp.unknown_state_filters.push_back(name);
  }
  auto* txns = ctx.transaction_coordinator;
  if (!txns || txns->shard_count() == 0) {
    resp.error_code = kafka_error::kCoordinatorNotAvailable;
    return reply(std::move(resp));
  }
  const std::set<int64_t> producers(body.producer_id_filters.begin(), body.producer_id_filters.end());
  const int64_t duration = req.api_version >= 1 ? body.duration_filter : -1;
  auto gather = std::make_shared<Gather<ShardAnswer>>(
      size_t(txns->shard_count()), [reply, resp = std::move(resp)](std::vector<ShardAnswer> shards) mutable {
        for (auto& s : shards) {
          // A shard still loading makes the list incomplete: Kafka says so instead.
          if (s.error == kafka_error::kCoordinatorLoadInProgress) {
            resp.error_code = s.error;
            resp.transaction_states.clear();
            return reply(std::move(resp));
          }
          for (auto& t : s.states) resp.transaction_states.push_back(std::move(t));
        }
        reply(std::move(resp));
      });
  auto next = std::make_shared<std::atomic<size_t>>(0);
  txns->run_on_all([gather, next, states, producers, duration](coordinator::TransactionCoordinatorShard* shard,
                                                                int16_t error) {
    ShardAnswer a;
    a.error = error;
    if (shard) {
      std::vector<const coordinator::TransactionMetadata*> found;
      shard->list(states, producers, duration, &found);
      for (const auto* md : found)
        a.states.push_back({md->transactional_id(), md->producer_id(),
                            std::string(coordinator::txn_state_name(md->state()))});
    }
    gather->set((*next)++, std::move(a));  // shard order does not matter
  });
}

}  // namespace fjord::broker
