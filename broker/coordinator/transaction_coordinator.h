#pragma once
// The transaction coordinator as the handlers see it: __transaction_state
// (created at start-up when missing), the partition (shard) each
// transactional id lives in, and a way to run code on an id's shard. The
// logic is in TransactionCoordinatorShard; the threading, log writes and
// loading in CoordinatorRuntime; the markers in TxnMarkerWriter.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <string>

#include "broker/cluster/local_leadership.h"
#include "broker/coordinator/coordinator_runtime.h"
#include "broker/coordinator/transaction_coordinator_shard.h"
#include "broker/coordinator/transactional_producer_ids.h"
#include "broker/coordinator/txn_marker_writer.h"
#include "storage/log/log_manager.h"

namespace fjord::broker::coordinator {

struct TransactionCoordinatorOptions {
  TransactionConfig txn;
  int32_t state_topic_partitions = 50;          // transaction.state.log.num.partitions
  int32_t state_topic_segment_bytes = 104857600;  // transaction.state.log.segment.bytes
  int threads = 1;                              // shares group.coordinator.threads' size
  std::function<int64_t()> clock;               // tests; default: system clock
};

class TransactionCoordinator final : public TransactionalProducerIds {
 public:
  // `producer_ids` gives the producer ids of new and rotated transactional
  // ids; `markers` writes the transactions' ends.
  TransactionCoordinator(storage::LogManager& logs, const LocalLeadership& leadership,
                         TransactionCoordinatorOptions options, ProducerIdSource producer_ids,
                         TxnMarkerWriter& markers);
  ~TransactionCoordinator() override;

  // Creates __transaction_state if missing and loads the shards this node
  // leads. Throws std::runtime_error when the topic cannot be created.
  void start();
  void shutdown();

  // Kafka's partitionFor: abs(hashCode(transactional id)) % partitions.
  int32_t partition_for(const std::string& transactional_id) const;
  // 0 when the id's shard is loaded here, else NOT_COORDINATOR or
  // COORDINATOR_LOAD_IN_PROGRESS.
  int16_t status(const std::string& transactional_id) const;

  using Event = std::function<void(TransactionCoordinatorShard* shard, int16_t error)>;
  // Runs `event` once: on the id's shard, or inline with the error.
  void run(const std::string& transactional_id, Event event);
  // Runs `event` on every shard (ListTransactions), once each, with its error.
  void run_on_all(Event event);
  int32_t shard_count() const;
  const TransactionConfig& config() const { return options_.txn; }

  // InitProducerId with a transactional id (the InitProducerId handler's
  // seam): runs on the id's shard.
  void init_producer_id(const std::string& transactional_id, int32_t transaction_timeout_ms, int64_t producer_id,
                        int16_t producer_epoch, std::function<void(InitProducerIdResult)> done) override;

  // Kafka's transaction verification of a transactional Produce: is the
  // partition in the producer's ongoing transaction? 0, or the error the
  // partition's produce answer gets. Any thread; a lookup under a mutex.
  int16_t verify_produce(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                         const std::string& topic, int32_t partition) const;

  CoordinatorRuntime& runtime() { return *runtime_; }

 private:
  // What the shards last applied for each id (TxnStatePublisher).
  struct Published {
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    TxnState state = TxnState::empty;
    std::set<TopicPartition> partitions;
  };
  void publish(const std::string& id, const TransactionMetadata* md);

  storage::LogManager& logs_;
  const LocalLeadership& leadership_;
  TransactionCoordinatorOptions options_;
  ProducerIdSource producer_ids_;
  TxnMarkerWriter& markers_;
  std::unique_ptr<CoordinatorRuntime> runtime_;
  mutable std::mutex published_mu_;
  std::unordered_map<std::string, Published> published_;
};

}  // namespace fjord::broker::coordinator
