#include "broker/handlers/add_partitions_to_txn_handler.h"

#include <map>
#include <memory>
#include <set>

#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "broker/handlers/txn_reply.h"
#include "protocol/messages/add_partitions_to_txn_request.h"
#include "protocol/messages/add_partitions_to_txn_response.h"

namespace fjord::broker {
namespace {

using Request_ = protocol::AddPartitionsToTxnRequest;
using Response = protocol::AddPartitionsToTxnResponse;
using TopicResult = Response::AddPartitionsToTxnTopicResult;
using coordinator::TopicPartition;

// Partition -> error, grouped by topic as the response lists them.
std::vector<TopicResult> results_of(const std::map<TopicPartition, int16_t>& errors) {
  std::vector<TopicResult> out;
  for (const auto& [tp, error] : errors) {
    if (out.empty() || out.back().name != tp.first) out.emplace_back().name = tp.first;
    out.back().results_by_partition.push_back({tp.second, error});
  }
  return out;
}

// One transaction of the request: added (or verified) on its shard, then
// done(partition -> error). Unknown partitions fail the transaction before
// it reaches the coordinator (KafkaApis: UNKNOWN_TOPIC_OR_PARTITION for them,
// OPERATION_NOT_ATTEMPTED for the rest).
void add_one(BrokerContext& ctx, const Request_::AddPartitionsToTxnTransaction& txn, int16_t version,
             std::function<void(std::map<TopicPartition, int16_t>)> done) {
  std::set<TopicPartition> partitions;
  for (const auto& t : txn.topics)
    for (int32_t p : t.partitions) partitions.emplace(t.name, p);
  std::map<TopicPartition, int16_t> errors;
  bool unknown = false;
  for (const auto& tp : partitions) {
    const bool exists = ctx.logs.partition(tp.first, tp.second) != nullptr;
    errors[tp] = exists ? kafka_error::kOperationNotAttempted : kafka_error::kUnknownTopicOrPartition;
    unknown = unknown || !exists;
  }
  if (unknown || partitions.empty()) return done(std::move(errors));
  const coordinator::TransactionCoordinatorShard::ProducerIdAndEpoch producer{txn.producer_id, txn.producer_epoch};
  const auto all = [partitions, version](int16_t error) {
    std::map<TopicPartition, int16_t> out;
    for (const auto& tp : partitions) out[tp] = fenced_error_for(error, version, 2);
    return out;
  };
  on_txn_shard(ctx, txn.transactional_id, [id = txn.transactional_id, verify = txn.verify_only, partitions, producer,
                                           all, done](coordinator::TransactionCoordinatorShard* shard, int16_t error) {
    if (!shard) return done(all(error));
    if (verify) {
      std::map<TopicPartition, int16_t> per_partition;
      if (int16_t e = shard->verify_partitions(id, producer, partitions, &per_partition)) return done(all(e));
      return done(std::move(per_partition));
    }
    shard->add_partitions(id, producer, partitions, [all, done](int16_t e) { done(all(e)); });
  });
}

}  // namespace

void handle_add_partitions_to_txn(BrokerContext& ctx, Request req, Responder out) {
  Request_ body;
  if (!decode_body(req, &body)) return out.close();
  auto reply = reply_with<Response>(req, std::move(out));
  const int16_t version = req.api_version;
  if (version <= 3) {
    Request_::AddPartitionsToTxnTransaction txn;
    txn.transactional_id = body.v3_and_below_transactional_id;
    txn.producer_id = body.v3_and_below_producer_id;
    txn.producer_epoch = body.v3_and_below_producer_epoch;
    txn.topics = std::move(body.v3_and_below_topics);
    add_one(ctx, txn, version, [reply](std::map<TopicPartition, int16_t> errors) {
      Response r;
      r.results_by_topic_v3_and_below = results_of(errors);
      reply(std::move(r));
    });
    return;
  }
  // v4+: several transactions, each answered by its own shard.
  if (body.transactions.empty()) return reply(Response{});
  auto gather = std::make_shared<Gather<Response::AddPartitionsToTxnResult>>(
      body.transactions.size(), [reply](std::vector<Response::AddPartitionsToTxnResult> results) {
        Response r;
        r.results_by_transaction = std::move(results);
        reply(std::move(r));
      });
  for (size_t i = 0; i < body.transactions.size(); ++i) {
    add_one(ctx, body.transactions[i], version,
            [gather, i, id = body.transactions[i].transactional_id](std::map<TopicPartition, int16_t> errors) {
              Response::AddPartitionsToTxnResult result;
              result.transactional_id = id;
              result.topic_results = results_of(errors);
              gather->set(i, std::move(result));
            });
  }
}

}  // namespace fjord::broker
