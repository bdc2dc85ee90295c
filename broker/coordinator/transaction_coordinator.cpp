#include "broker/coordinator/transaction_coordinator.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "broker/coordinator/group_partitioner.h"
#include "broker/coordinator/transaction_errors.h"
#include "broker/topics/internal_topics.h"

namespace fjord::broker::coordinator {

TransactionCoordinator::TransactionCoordinator(storage::LogManager& logs, const LocalLeadership& leadership,
                                               TransactionCoordinatorOptions options, ProducerIdSource producer_ids,
                                               TxnMarkerWriter& markers)
    : logs_(logs),
      leadership_(leadership),
      options_(std::move(options)),
      producer_ids_(std::move(producer_ids)),
      markers_(markers) {}

TransactionCoordinator::~TransactionCoordinator() { shutdown(); }

void TransactionCoordinator::start() {
  const std::string topic(kTransactionStateTopic);
  // Kafka's transactionTopicConfigs: compacted, its own segment size,
  // uncompressed batches (kept as written).
  const auto info = ensure_internal_topic(logs_, topic, options_.state_topic_partitions,
                                          {{"cleanup.policy", "compact"},
                                           {"segment.bytes", std::to_string(options_.state_topic_segment_bytes)},
                                           {"compression.type", "uncompressed"}});
  CoordinatorRuntime::Options ro;
  ro.name = "txn";
  ro.topic = topic;
  ro.partitions = info.partitions;
  ro.threads = options_.threads;
  ro.clock = options_.clock;
  const TransactionConfig config = options_.txn;
  runtime_ = std::make_unique<CoordinatorRuntime>(
      logs_, leadership_, ro, [this, config, topic](ShardServices& services, int32_t partition) {
        // Markers carry the coordinator epoch: the state partition's leader epoch.
        auto log = logs_.partition(topic, partition);
        const int32_t epoch = log ? log->leader_epoch() : 0;
        return std::make_unique<TransactionCoordinatorShard>(
            services, config, markers_, producer_ids_, epoch,
            [this](const std::string& id, const TransactionMetadata* md) { publish(id, md); });
      });
  runtime_->start();
}

void TransactionCoordinator::shutdown() {
  if (runtime_) runtime_->shutdown();
}

int32_t TransactionCoordinator::shard_count() const { return runtime_ ? runtime_->partitions() : 0; }

int32_t TransactionCoordinator::partition_for(const std::string& transactional_id) const {
  // The same hash as groups (Utils.abs(hashCode) % partitions).
  return partition_for_group(transactional_id, shard_count() > 0 ? shard_count() : options_.state_topic_partitions);
}

int16_t TransactionCoordinator::status(const std::string& transactional_id) const {
  if (!runtime_) return 16;  // NOT_COORDINATOR
  return runtime_->status(partition_for(transactional_id));
}

void TransactionCoordinator::run(const std::string& transactional_id, Event event) {
  if (!runtime_) return event(nullptr, 16);
  runtime_->submit(partition_for(transactional_id), [event = std::move(event)](CoordinatorShard* s, int16_t error) {
    event(static_cast<TransactionCoordinatorShard*>(s), error);
  });
}

void TransactionCoordinator::init_producer_id(const std::string& transactional_id, int32_t transaction_timeout_ms,
                                              int64_t producer_id, int16_t producer_epoch,
                                              std::function<void(InitProducerIdResult)> done) {
  std::optional<TransactionCoordinatorShard::ProducerIdAndEpoch> expected;
  if (producer_id >= 0) expected = TransactionCoordinatorShard::ProducerIdAndEpoch{producer_id, producer_epoch};
  run(transactional_id, [=, done = std::move(done)](TransactionCoordinatorShard* shard, int16_t error) {
    if (!shard) return done(InitProducerIdResult{error, -1, -1});
    shard->init_producer_id(transactional_id, transaction_timeout_ms, expected,
                            [done](TransactionCoordinatorShard::InitResult r) {
                              done(InitProducerIdResult{r.error, r.producer.id, r.producer.epoch});
                            });
  });
}

void TransactionCoordinator::publish(const std::string& id, const TransactionMetadata* md) {
  std::lock_guard lock(published_mu_);
  if (!md) {
    published_.erase(id);
    return;
  }
  Published& p = published_[id];
  p.producer_id = md->producer_id();
  p.producer_epoch = md->producer_epoch();
  p.state = md->state();
  p.partitions = md->partitions();
}

int16_t TransactionCoordinator::verify_produce(const std::string& transactional_id, int64_t producer_id,
                                              int16_t producer_epoch, const std::string& topic,
                                              int32_t partition) const {
  // Kafka's AddPartitionsToTxnManager turns the coordinator's answer into
  // one a producer handles: retriable conditions become NOT_ENOUGH_REPLICAS,
  // PRODUCER_FENCED becomes INVALID_PRODUCER_EPOCH.
  std::lock_guard lock(published_mu_);
  auto it = published_.find(transactional_id);
  if (it == published_.end())
    return status(transactional_id) ? txn_error::kNotEnoughReplicas : txn_error::kInvalidProducerIdMapping;
  const Published& p = it->second;
  if (p.producer_id != producer_id) return txn_error::kInvalidProducerIdMapping;
  if (p.producer_epoch != producer_epoch) return txn_error::kInvalidProducerEpoch;
  if (p.state == TxnState::prepare_commit || p.state == TxnState::prepare_abort) return txn_error::kNotEnoughReplicas;
  if (p.state != TxnState::ongoing || !p.partitions.count({topic, partition})) return txn_error::kInvalidTxnState;
  return txn_error::kNone;
}

void TransactionCoordinator::run_on_all(Event event) {
  for (int32_t p = 0; p < shard_count(); ++p) {
    runtime_->submit(p, [event](CoordinatorShard* s, int16_t error) {
      event(static_cast<TransactionCoordinatorShard*>(s), error);
    });
  }
}

}  // namespace fjord::broker::coordinator
