#pragma once
// One transactional id's state, as Kafka's TransactionMetadata (3.9): the
// producer id and epoch it owns, the transaction's state and partitions, and
// the transitions between states. A change is first prepared (a
// TxnTransition, also kept as `pending`), written to __transaction_state,
// and applied only once durable, so the in-memory state always matches the
// log. A prepared transition that fails to write is dropped again.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace fjord::broker::coordinator {

// Kafka's TransactionState, with the byte it has in TransactionLogValue.
enum class TxnState : int8_t {
  empty = 0,
  ongoing = 1,
  prepare_commit = 2,
  prepare_abort = 3,
  complete_commit = 4,
  complete_abort = 5,
  dead = 6,
  prepare_epoch_fence = 7,
};

// "Empty", "Ongoing", ... (Kafka's names: ListTransactions, DescribeTransactions).
std::string_view txn_state_name(TxnState s);
std::optional<TxnState> txn_state_from_name(std::string_view name);
std::optional<TxnState> txn_state_from_byte(int8_t b);
// Kafka's validPreviousStates: may a transaction in `from` move to `to`?
bool txn_transition_allowed(TxnState from, TxnState to);

using TopicPartition = std::pair<std::string, int32_t>;

inline constexpr int64_t kNoProducerId = -1;
inline constexpr int16_t kNoProducerEpoch = -1;

// A state a transactional id moves to: what the log record holds.
struct TxnTransition {
  int64_t producer_id = kNoProducerId;
  int64_t last_producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int16_t last_producer_epoch = kNoProducerEpoch;
  int32_t timeout_ms = 0;
  TxnState state = TxnState::empty;
  std::set<TopicPartition> partitions;
  int64_t start_timestamp = -1;
  int64_t last_update_timestamp = -1;
};

class TransactionMetadata {
 public:
  TransactionMetadata(std::string transactional_id, int64_t producer_id, int16_t producer_epoch, int32_t timeout_ms,
                      int64_t now_ms);
  // As a loaded record says.
  TransactionMetadata(std::string transactional_id, const TxnTransition& loaded);

  const std::string& transactional_id() const { return id_; }
  int64_t producer_id() const { return producer_id_; }
  int64_t last_producer_id() const { return last_producer_id_; }
  int16_t producer_epoch() const { return producer_epoch_; }
  int16_t last_producer_epoch() const { return last_producer_epoch_; }
  int32_t timeout_ms() const { return timeout_ms_; }
  TxnState state() const { return state_; }
  const std::set<TopicPartition>& partitions() const { return partitions_; }
  int64_t start_timestamp() const { return start_timestamp_; }
  int64_t last_update_timestamp() const { return last_update_timestamp_; }
  const std::optional<TxnState>& pending_state() const { return pending_; }
  bool pending_transition() const { return pending_.has_value(); }

  // Kafka: an epoch of Short.MaxValue - 1 or more cannot be bumped again.
  static bool epoch_exhausted(int16_t epoch) { return epoch >= INT16_MAX - 1; }
  bool producer_epoch_exhausted() const { return epoch_exhausted(producer_epoch_); }

  // The transitions (Kafka's prepare* methods). Each sets `pending` and
  // returns the state to write; errors are Kafka error codes.
  // InitProducerId: a bumped epoch (or the same one, for a retried bump).
  // `expected_epoch` is the epoch the producer says it has, if any.
  std::pair<int16_t, TxnTransition> prepare_increment_epoch(int32_t timeout_ms, std::optional<int16_t> expected_epoch,
                                                            int64_t now_ms);
  // InitProducerId with an exhausted epoch: a new producer id at epoch 0.
  TxnTransition prepare_producer_id_rotation(int64_t new_producer_id, int32_t timeout_ms, int64_t now_ms,
                                             bool record_last_epoch);
  // Ongoing transaction to fence (InitProducerId, timeout): the bumped epoch
  // that the abort will be written with.
  TxnTransition prepare_fence_epoch();
  TxnTransition prepare_add_partitions(const std::set<TopicPartition>& added, int64_t now_ms);
  TxnTransition prepare_abort_or_commit(TxnState next, int64_t now_ms);
  TxnTransition prepare_complete(int64_t now_ms);
  TxnTransition prepare_dead();

  // The prepared transition was written: it becomes the state. False (and
  // nothing applied) when it does not follow from the current state.
  bool complete_transition(const TxnTransition& t);
  // The write failed: drop the prepared transition.
  void abort_transition() { pending_.reset(); }
  // EndTxn after a fence: the abort is written with the fenced epoch.
  void take_fenced_epoch(int16_t epoch);
  // A fence whose abort failed to write keeps its epoch for the next try.
  void set_failed_epoch_fence() { failed_epoch_fence_ = true; }

  // The current state as a transition (what a record of it holds).
  TxnTransition current() const;

 private:
  TxnTransition prepare(TxnState state, int64_t producer_id, int16_t epoch, int16_t last_epoch, int32_t timeout_ms,
                        std::set<TopicPartition> partitions, int64_t start_ts, int64_t update_ts);

  std::string id_;
  int64_t producer_id_;
  int64_t last_producer_id_ = kNoProducerId;
  int16_t producer_epoch_;
  int16_t last_producer_epoch_ = kNoProducerEpoch;
  int32_t timeout_ms_;
  TxnState state_ = TxnState::empty;
  std::set<TopicPartition> partitions_;
  int64_t start_timestamp_ = -1;
  int64_t last_update_timestamp_;
  std::optional<TxnState> pending_;
  bool failed_epoch_fence_ = false;
};

}  // namespace fjord::broker::coordinator
