#include "broker/coordinator/transaction_metadata.h"

#include <array>
#include <stdexcept>

#include "broker/coordinator/transaction_errors.h"

namespace fjord::broker::coordinator {
namespace {

constexpr std::array<std::string_view, 8> kNames = {
    "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence",
};

}  // namespace

std::string_view txn_state_name(TxnState s) { return kNames.at(size_t(s)); }

std::optional<TxnState> txn_state_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return TxnState(i);
  return std::nullopt;
}

std::optional<TxnState> txn_state_from_byte(int8_t b) {
  if (b < 0 || size_t(b) >= kNames.size()) return std::nullopt;
  return TxnState(b);
}

bool txn_transition_allowed(TxnState from, TxnState to) {
  using S = TxnState;
  switch (to) {
    case S::empty: return from == S::empty || from == S::complete_commit || from == S::complete_abort;
    case S::ongoing:
      return from == S::ongoing || from == S::empty || from == S::complete_commit || from == S::complete_abort;
    case S::prepare_commit: return from == S::ongoing;
    case S::prepare_abort: return from == S::ongoing || from == S::prepare_epoch_fence;
    case S::complete_commit: return from == S::prepare_commit;
    case S::complete_abort: return from == S::prepare_abort;
    case S::dead: return from == S::empty || from == S::complete_commit || from == S::complete_abort;
    case S::prepare_epoch_fence: return from == S::ongoing;
  }
  return false;
}

TransactionMetadata::TransactionMetadata(std::string transactional_id, int64_t producer_id, int16_t producer_epoch,
                                         int32_t timeout_ms, int64_t now_ms)
    : id_(std::move(transactional_id)),
      producer_id_(producer_id),
      producer_epoch_(producer_epoch),
      timeout_ms_(timeout_ms),
      last_update_timestamp_(now_ms) {}

TransactionMetadata::TransactionMetadata(std::string transactional_id, const TxnTransition& t)
    : id_(std::move(transactional_id)),
      producer_id_(t.producer_id),
      last_producer_id_(t.last_producer_id),
      producer_epoch_(t.producer_epoch),
      last_producer_epoch_(t.last_producer_epoch),
      timeout_ms_(t.timeout_ms),
      state_(t.state),
      partitions_(t.partitions),
      start_timestamp_(t.start_timestamp),
      last_update_timestamp_(t.last_update_timestamp) {}

TxnTransition TransactionMetadata::current() const {
  return TxnTransition{producer_id_, last_producer_id_, producer_epoch_, last_producer_epoch_, timeout_ms_,
                       state_,       partitions_,       start_timestamp_, last_update_timestamp_};
}

TxnTransition TransactionMetadata::prepare(TxnState state, int64_t producer_id, int16_t epoch, int16_t last_epoch,
                                           int32_t timeout_ms, std::set<TopicPartition> partitions, int64_t start_ts,
                                           int64_t update_ts) {
  // Callers check first; a second transition or an illegal one is a bug.
  if (pending_) throw std::logic_error("transactional id " + id_ + ": a transition is already pending");
  if (!txn_transition_allowed(state_, state))
    throw std::logic_error("transactional id " + id_ + ": " + std::string(txn_state_name(state_)) + " -> " +
                           std::string(txn_state_name(state)) + " is not allowed");
  pending_ = state;
  TxnTransition t;
  t.producer_id = producer_id;
  t.last_producer_id = last_producer_id_;
  t.producer_epoch = epoch;
  t.last_producer_epoch = last_epoch;
  t.timeout_ms = timeout_ms;
  t.state = state;
  t.partitions = std::move(partitions);
  t.start_timestamp = start_ts;
  t.last_update_timestamp = update_ts;
  return t;
}

std::pair<int16_t, TxnTransition> TransactionMetadata::prepare_increment_epoch(int32_t timeout_ms,
                                                                               std::optional<int16_t> expected_epoch,
                                                                               int64_t now_ms) {
  // Kafka fails the same way (an exhausted epoch rotates the producer id first).
  if (producer_epoch_exhausted()) return {txn_error::kUnknownServerError, {}};
  const int16_t bumped = int16_t(producer_epoch_ + 1);
  int16_t epoch = bumped;
  int16_t last_epoch = kNoProducerEpoch;
  if (expected_epoch) {
    if (producer_epoch_ == kNoProducerEpoch || *expected_epoch == producer_epoch_) {
      last_epoch = producer_epoch_;  // a bump the producer may retry
    } else if (*expected_epoch == last_producer_epoch_) {
      epoch = producer_epoch_;  // the retry of a bump already made
      last_epoch = last_producer_epoch_;
    } else {
      return {txn_error::kProducerFenced, {}};
    }
  }
  return {txn_error::kNone, prepare(TxnState::empty, producer_id_, epoch, last_epoch, timeout_ms, {}, -1, now_ms)};
}

TxnTransition TransactionMetadata::prepare_producer_id_rotation(int64_t new_producer_id, int32_t timeout_ms,
                                                                int64_t now_ms, bool record_last_epoch) {
  TxnTransition t = prepare(TxnState::empty, new_producer_id, 0,
                            record_last_epoch ? producer_epoch_ : kNoProducerEpoch, timeout_ms, {}, -1, now_ms);
  t.last_producer_id = producer_id_;
  return t;
}

TxnTransition TransactionMetadata::prepare_fence_epoch() {
  if (producer_epoch_ == INT16_MAX) throw std::logic_error("transactional id " + id_ + ": no epoch left to fence with");
  const int16_t epoch = failed_epoch_fence_ ? producer_epoch_ : int16_t(producer_epoch_ + 1);
  return prepare(TxnState::prepare_epoch_fence, producer_id_, epoch, kNoProducerEpoch, timeout_ms_, partitions_,
                 start_timestamp_, last_update_timestamp_);
}

TxnTransition TransactionMetadata::prepare_add_partitions(const std::set<TopicPartition>& added, int64_t now_ms) {
  const bool starts = state_ == TxnState::empty || state_ == TxnState::complete_commit ||
                      state_ == TxnState::complete_abort;
  std::set<TopicPartition> all = partitions_;
  all.insert(added.begin(), added.end());
  return prepare(TxnState::ongoing, producer_id_, producer_epoch_, last_producer_epoch_, timeout_ms_, std::move(all),
                 starts ? now_ms : start_timestamp_, now_ms);
}

TxnTransition TransactionMetadata::prepare_abort_or_commit(TxnState next, int64_t now_ms) {
  return prepare(next, producer_id_, producer_epoch_, last_producer_epoch_, timeout_ms_, partitions_, start_timestamp_,
                 now_ms);
}

TxnTransition TransactionMetadata::prepare_complete(int64_t now_ms) {
  const TxnState next = state_ == TxnState::prepare_commit ? TxnState::complete_commit : TxnState::complete_abort;
  // The markers are written: the partitions are no longer part of it.
  return prepare(next, producer_id_, producer_epoch_, last_producer_epoch_, timeout_ms_, {}, start_timestamp_, now_ms);
}

TxnTransition TransactionMetadata::prepare_dead() {
  return prepare(TxnState::dead, producer_id_, producer_epoch_, last_producer_epoch_, timeout_ms_, {},
                 start_timestamp_, last_update_timestamp_);
}

void TransactionMetadata::take_fenced_epoch(int16_t epoch) {
  // Kafka's endTransaction after prepareFenceProducerEpoch: the fence is
  // never written by itself; the abort carries its epoch.
  pending_.reset();
  producer_epoch_ = epoch;
  last_producer_epoch_ = kNoProducerEpoch;
}

bool TransactionMetadata::complete_transition(const TxnTransition& t) {
  if (!pending_ || *pending_ != t.state) return false;
  pending_.reset();
  if (!txn_transition_allowed(state_, t.state)) return false;
  producer_id_ = t.producer_id;
  last_producer_id_ = t.last_producer_id;
  producer_epoch_ = t.producer_epoch;
  last_producer_epoch_ = t.last_producer_epoch;
  timeout_ms_ = t.timeout_ms;
  state_ = t.state;
  partitions_ = t.partitions;
  start_timestamp_ = t.start_timestamp;
  last_update_timestamp_ = t.last_update_timestamp;
  failed_epoch_fence_ = false;
  return true;
}

}  // namespace fjord::broker::coordinator
