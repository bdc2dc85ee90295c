#include "broker/handlers/txn_offset_commit_handler.h"

#include <map>
#include <memory>

#include "broker/dispatch/request_body.h"
#include "broker/handlers/group_reply.h"
#include "broker/handlers/txn_reply.h"
#include "broker/topics/internal_topics.h"
#include "protocol/messages/txn_offset_commit_request.h"
#include "protocol/messages/txn_offset_commit_response.h"

namespace fjord::broker {
namespace {

using Response = protocol::TxnOffsetCommitResponse;

// Every partition of `req` with `error`, after those already in `resp`.
void answer_all(const protocol::TxnOffsetCommitRequest& req, int16_t error, Response& resp) {
  for (const auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (const auto& p : t.partitions) rt.partitions.push_back({p.partition_index, error});
  }
}

// Kafka's verification answers as the producer understands them
// (AddPartitionsToTxnManager): a fenced epoch is INVALID_PRODUCER_EPOCH, a
// transaction coordinator that is not there makes the group's unavailable.
int16_t verification_error(int16_t e) {
  switch (e) {
    case kafka_error::kProducerFenced: return kafka_error::kInvalidProducerEpoch;
    case kafka_error::kNotCoordinator:
    case kafka_error::kCoordinatorLoadInProgress: return kafka_error::kCoordinatorNotAvailable;
    default: return e;
  }
}

}  // namespace

void handle_txn_offset_commit(BrokerContext& ctx, Request req, Responder out) {
  auto body = std::make_shared<protocol::TxnOffsetCommitRequest>();
  if (!decode_body(req, body.get())) return out.close();
  auto reply = reply_with<Response>(req, std::move(out));
  const int16_t version = req.api_version;
  Response unknown;  // partitions of topics that do not exist, answered here
  if (body->group_id.empty() || !ctx.groups) {
    answer_all(*body, body->group_id.empty() ? kafka_error::kInvalidGroupId : kafka_error::kCoordinatorNotAvailable,
               unknown);
    return reply(std::move(unknown));
  }
  for (auto& t : body->topics) {
    std::vector<protocol::TxnOffsetCommitRequest::TxnOffsetCommitRequestPartition> known;
    for (auto& p : t.partitions) {
      if (ctx.logs.partition(t.name, p.partition_index)) {
        known.push_back(std::move(p));
        continue;
      }
      if (unknown.topics.empty() || unknown.topics.back().name != t.name) unknown.topics.emplace_back().name = t.name;
      unknown.topics.back().partitions.push_back({p.partition_index, kafka_error::kUnknownTopicOrPartition});
    }
    t.partitions = std::move(known);
  }
  std::erase_if(body->topics, [](const auto& t) { return t.partitions.empty(); });
  if (body->topics.empty()) return reply(std::move(unknown));  // nothing left to commit
  auto finish = [reply, unknown = std::make_shared<Response>(std::move(unknown))](Response r) {
    for (auto& t : unknown->topics) r.topics.push_back(std::move(t));
    reply(std::move(r));
  };
  const std::set<coordinator::TopicPartition> group_partition{
      {std::string(kConsumerOffsetsTopic), ctx.groups->partition_for(body->group_id)}};
  BrokerContext* c = &ctx;
  on_txn_shard(ctx, body->transactional_id, [c, body, version, group_partition, finish](
                                                coordinator::TransactionCoordinatorShard* txns, int16_t error) {
    std::map<coordinator::TopicPartition, int16_t> verified;
    if (txns) error = txns->verify_partitions(body->transactional_id, {body->producer_id, body->producer_epoch},
                                              group_partition, &verified);
    if (!error) error = verified.begin()->second;  // INVALID_TXN_STATE: not added with AddOffsetsToTxn
    if (error) {
      Response r;
      answer_all(*body, verification_error(error), r);
      return finish(std::move(r));
    }
    on_group_shard(*c, body->group_id, [body, version, finish](coordinator::GroupCoordinatorShard* shard, int16_t e) {
      if (shard) return shard->commit_txn_offsets(*body, version, finish);
      Response r;
      answer_all(*body, e, r);
      finish(std::move(r));
    });
  });
}

}  // namespace fjord::broker
