#pragma once
// The transaction coordinator's state machine for one __transaction_state
// partition: the transactional ids that map to it and every transaction
// API's logic, following Kafka 3.9's TransactionCoordinator and
// TransactionStateManager. Runs on its shard's executor only
// (coordinator_runtime.h). A change is prepared on the id's
// TransactionMetadata, written, and applied once durable; loading replays
// the partition (the last record of each id wins, a tombstone removes it).
//
// Ending a transaction: EndTxn writes PrepareCommit/PrepareAbort and
// answers; then the markers go to every partition of the transaction
// (TxnMarkerWriter) and CompleteCommit/CompleteAbort is written. A loaded
// transaction found in PrepareCommit/PrepareAbort is completed the same way;
// one left Ongoing is aborted once its timeout has passed.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/coordinator/coordinator_shard.h"
#include "broker/coordinator/transaction_metadata.h"
#include "broker/coordinator/txn_marker_writer.h"

namespace fjord::broker::coordinator {

// transaction.* and transactional.* settings, Kafka's defaults.
struct TransactionConfig {
  int32_t max_timeout_ms = 900000;                      // transaction.max.timeout.ms
  int64_t abort_timed_out_interval_ms = 10000;          // transaction.abort.timed.out.transaction.cleanup.interval.ms
  int64_t id_expiration_ms = 7LL * 24 * 3600 * 1000;    // transactional.id.expiration.ms
  int64_t remove_expired_interval_ms = 3600000;         // transaction.remove.expired.transaction.cleanup.interval.ms
};

// A new producer id, or -1 when none can be given now.
using ProducerIdSource = std::function<int64_t()>;
// Told of an id's state after every change (null: gone or unloaded), on the
// shard's executor: the coordinator's view for Produce's verification.
using TxnStatePublisher = std::function<void(const std::string& id, const TransactionMetadata* md)>;

class TransactionCoordinatorShard final : public CoordinatorShard {
 public:
  TransactionCoordinatorShard(ShardServices& services, TransactionConfig config, TxnMarkerWriter& markers,
                              ProducerIdSource producer_ids, int32_t coordinator_epoch,
                              TxnStatePublisher publish = nullptr);
  ~TransactionCoordinatorShard() override;

  struct ProducerIdAndEpoch {
    int64_t id = kNoProducerId;
    int16_t epoch = kNoProducerEpoch;
  };
  struct InitResult {
    int16_t error = 0;
    ProducerIdAndEpoch producer;
  };
  // InitProducerId with a transactional id (`expected`: the id and epoch the
  // producer already has, v3+).
  void init_producer_id(const std::string& transactional_id, int32_t timeout_ms,
                        std::optional<ProducerIdAndEpoch> expected, std::function<void(InitResult)> done);
  // AddPartitionsToTxn, and AddOffsetsToTxn (the group's __consumer_offsets partition).
  void add_partitions(const std::string& transactional_id, ProducerIdAndEpoch producer,
                      const std::set<TopicPartition>& partitions, std::function<void(int16_t)> done);
  // Are the partitions in the producer's ongoing transaction? (AddPartitionsToTxn
  // v4 VerifyOnly, TxnOffsetCommit.) A transaction-wide error, else one per partition.
  int16_t verify_partitions(const std::string& transactional_id, ProducerIdAndEpoch producer,
                            const std::set<TopicPartition>& partitions,
                            std::map<TopicPartition, int16_t>* per_partition) const;
  void end_txn(const std::string& transactional_id, ProducerIdAndEpoch producer, bool commit,
               std::function<void(int16_t)> done);

  const TransactionMetadata* transaction(const std::string& transactional_id) const;
  // ListTransactions: the live (not Dead) transactions that pass the filters
  // (empty: any; duration < 0: any, else running longer than it).
  void list(const std::set<TxnState>& states, const std::set<int64_t>& producer_ids, int64_t min_duration_ms,
            std::vector<const TransactionMetadata*>* out) const;

  // Timers (also called directly by tests).
  void abort_timed_out_transactions();
  void remove_expired_transactional_ids();

  // --- CoordinatorShard ---
  void replay(const RecordView& record) override;
  void on_loaded() override;
  void on_unloaded() override;

 private:
  // Writes `t` for `id` and applies it once durable; done(error).
  void write_transition(const std::string& id, const TxnTransition& t, std::function<void(int16_t)> done);
  void end_transaction(const std::string& id, ProducerIdAndEpoch producer, bool commit, bool from_client,
                       std::function<void(int16_t)> done);
  // PrepareCommit/PrepareAbort is durable: markers, then the Complete state.
  void complete_transaction(const std::string& id);
  void send_markers(const std::string& id, const TxnTransition& complete, std::vector<TopicPartition> partitions);
  void write_complete(const std::string& id, const TxnTransition& complete);
  void published(const std::string& id) const {
    if (publish_) publish_(id, transaction(id));
  }
  void schedule_abort_timer();
  void schedule_expiration_timer();

  ShardServices& services_;
  TransactionConfig config_;
  TxnMarkerWriter& markers_;
  ProducerIdSource producer_ids_;
  const int32_t coordinator_epoch_;
  TxnStatePublisher publish_;
  std::map<std::string, TransactionMetadata> txns_;
};

}  // namespace fjord::broker::coordinator
