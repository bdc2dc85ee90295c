// InitProducerId, AddPartitionsToTxn, verification, the listings, and
// loading (Kafka's TransactionCoordinator and TransactionStateManager).
// Ending transactions and the timers are in transaction_completion.cpp.
#include "broker/coordinator/transaction_coordinator_shard.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "broker/coordinator/transaction_errors.h"
#include "broker/coordinator/transaction_records.h"

namespace fjord::broker::coordinator {

TransactionCoordinatorShard::TransactionCoordinatorShard(ShardServices& services, TransactionConfig config,
                                                         TxnMarkerWriter& markers, ProducerIdSource producer_ids,
                                                         int32_t coordinator_epoch, TxnStatePublisher publish)
    : services_(services),
      config_(config),
      markers_(markers),
      producer_ids_(std::move(producer_ids)),
      coordinator_epoch_(coordinator_epoch),
      publish_(std::move(publish)) {}

TransactionCoordinatorShard::~TransactionCoordinatorShard() = default;

const TransactionMetadata* TransactionCoordinatorShard::transaction(const std::string& transactional_id) const {
  auto it = txns_.find(transactional_id);
  return it == txns_.end() ? nullptr : &it->second;
}

void TransactionCoordinatorShard::write_transition(const std::string& id, const TxnTransition& t,
                                                   std::function<void(int16_t)> done) {
  services_.write({transaction_record(id, t)}, false, [this, id, t, done = std::move(done)](int16_t error) {
    auto it = txns_.find(id);
    if (it == txns_.end()) return done(txn_error::kNotCoordinator);
    if (error) {
      it->second.abort_transition();
      published(id);  // a fence may have changed the epoch
      // Kafka's appendTransactionToLog: a failed append is retriable.
      return done(error == txn_error::kUnknownServerError ? error : txn_error::kNotCoordinator);
    }
    const bool applied = it->second.complete_transition(t);
    published(id);
    if (!applied) {
      spdlog::error("transactional id {}: the written state {} does not follow {}", id, txn_state_name(t.state),
                    txn_state_name(it->second.state()));
      return done(txn_error::kNotCoordinator);
    }
    done(txn_error::kNone);
  });
}

void TransactionCoordinatorShard::init_producer_id(const std::string& id, int32_t timeout_ms,
                                                   std::optional<ProducerIdAndEpoch> expected,
                                                   std::function<void(InitResult)> done) {
  const auto fail = [&done](int16_t e) { done(InitResult{e, {}}); };
  // Empty: Kafka's answer. Longer than a Kafka string: the request decoder
  // refuses it first; the TransactionLogKey could not hold it either.
  if (id.empty() || id.size() > 0x7fff) return fail(txn_error::kInvalidRequest);
  if (timeout_ms <= 0 || timeout_ms > config_.max_timeout_ms) return fail(txn_error::kInvalidTransactionTimeout);
  const int64_t now = services_.now_ms();
  auto it = txns_.find(id);
  if (it == txns_.end()) {
    const int64_t pid = producer_ids_ ? producer_ids_() : -1;
    if (pid < 0) return fail(txn_error::kCoordinatorNotAvailable);
    it = txns_.emplace(id, TransactionMetadata(id, pid, kNoProducerEpoch, timeout_ms, now)).first;
  }
  TransactionMetadata& md = it->second;
  if (md.pending_transition()) return fail(txn_error::kConcurrentTransactions);
  if (expected) {
    // Kafka's isValidProducerId: a just-created id, the current producer id,
    // or the previous one retrying after its epoch ran out.
    const bool valid = md.producer_epoch() == kNoProducerEpoch || expected->id == md.producer_id() ||
                       (expected->id == md.last_producer_id() && TransactionMetadata::epoch_exhausted(expected->epoch));
    if (!valid) return fail(txn_error::kProducerFenced);
  }
  switch (md.state()) {
    case TxnState::prepare_commit:
    case TxnState::prepare_abort: return fail(txn_error::kConcurrentTransactions);
    case TxnState::empty:
    case TxnState::complete_commit:
    case TxnState::complete_abort: {
      TxnTransition t;
      if (md.producer_epoch_exhausted() && (!expected || expected->epoch == md.producer_epoch())) {
        const int64_t pid = producer_ids_ ? producer_ids_() : -1;
        if (pid < 0) return fail(txn_error::kCoordinatorNotAvailable);
        t = md.prepare_producer_id_rotation(pid, timeout_ms, now, expected.has_value());
      } else {
        std::optional<int16_t> expected_epoch;
        if (expected) expected_epoch = expected->epoch;
        auto [error, bumped] = md.prepare_increment_epoch(timeout_ms, expected_epoch, now);
        if (error) return fail(error);
        t = std::move(bumped);
      }
      const ProducerIdAndEpoch answer{t.producer_id, t.producer_epoch};
      return write_transition(id, t, [id, answer, done = std::move(done)](int16_t error) {
        if (error) return done(InitResult{error, {}});
        spdlog::info("transactional id {}: producer id {} epoch {}", id, answer.id, answer.epoch);
        done(InitResult{0, answer});
      });
    }
    case TxnState::ongoing: {
      // Abort the open transaction with a bumped epoch (fencing the old
      // producer); the client retries and gets a second bump once it is done.
      const TxnTransition fence = md.prepare_fence_epoch();
      return end_transaction(id, {md.producer_id(), fence.producer_epoch}, false, false,
                             [done = std::move(done)](int16_t error) {
                               done(InitResult{error ? error : txn_error::kConcurrentTransactions, {}});
                             });
    }
    case TxnState::dead:
    case TxnState::prepare_epoch_fence:
      spdlog::error("transactional id {}: found in state {}, which is never stored", id, txn_state_name(md.state()));
      return fail(txn_error::kUnknownServerError);
  }
}

void TransactionCoordinatorShard::add_partitions(const std::string& id, ProducerIdAndEpoch producer,
                                                 const std::set<TopicPartition>& partitions,
                                                 std::function<void(int16_t)> done) {
  if (id.empty()) return done(txn_error::kInvalidRequest);
  auto it = txns_.find(id);
  if (it == txns_.end() || it->second.producer_id() != producer.id) return done(txn_error::kInvalidProducerIdMapping);
  TransactionMetadata& md = it->second;
  if (md.producer_epoch() != producer.epoch) return done(txn_error::kProducerFenced);
  if (md.pending_transition()) return done(txn_error::kConcurrentTransactions);
  if (md.state() == TxnState::prepare_commit || md.state() == TxnState::prepare_abort)
    return done(txn_error::kConcurrentTransactions);
  if (md.state() == TxnState::ongoing &&
      std::includes(md.partitions().begin(), md.partitions().end(), partitions.begin(), partitions.end()))
    return done(txn_error::kNone);  // already in it
  write_transition(id, md.prepare_add_partitions(partitions, services_.now_ms()), std::move(done));
}

int16_t TransactionCoordinatorShard::verify_partitions(const std::string& id, ProducerIdAndEpoch producer,
                                                       const std::set<TopicPartition>& partitions,
                                                       std::map<TopicPartition, int16_t>* per_partition) const {
  if (id.empty()) return txn_error::kInvalidRequest;
  const TransactionMetadata* md = transaction(id);
  if (!md || md->producer_id() != producer.id) return txn_error::kInvalidProducerIdMapping;
  if (md->producer_epoch() != producer.epoch) return txn_error::kProducerFenced;
  if (md->state() == TxnState::prepare_commit || md->state() == TxnState::prepare_abort)
    return txn_error::kConcurrentTransactions;
  for (const auto& tp : partitions)
    (*per_partition)[tp] = md->state() == TxnState::ongoing && md->partitions().count(tp) ? txn_error::kNone
                                                                                          : txn_error::kInvalidTxnState;
  return txn_error::kNone;
}

void TransactionCoordinatorShard::list(const std::set<TxnState>& states, const std::set<int64_t>& producer_ids,
                                       int64_t min_duration_ms, std::vector<const TransactionMetadata*>* out) const {
  const int64_t now = services_.now_ms();
  for (const auto& [id, md] : txns_) {
    if (md.state() == TxnState::dead) continue;
    if (!producer_ids.empty() && !producer_ids.count(md.producer_id())) continue;
    if (!states.empty() && !states.count(md.state())) continue;
    if (min_duration_ms >= 0 && now - md.start_timestamp() <= min_duration_ms) continue;
    out->push_back(&md);
  }
}

// --- loading ---

void TransactionCoordinatorShard::replay(const RecordView& record) {
  std::string id;
  if (!decode_transaction_key(record.key, &id)) {
    spdlog::warn("transaction coordinator: skipping a record with a malformed key");
    return;
  }
  if (!record.value) {
    txns_.erase(id);
    return;
  }
  TxnTransition t;
  if (!decode_transaction_value(*record.value, &t)) {
    spdlog::warn("transactional id {}: skipping a malformed transaction record", id);
    return;
  }
  txns_.erase(id);
  txns_.emplace(id, TransactionMetadata(id, t));
}

void TransactionCoordinatorShard::on_loaded() {
  // Transactions whose commit or abort was decided: finish them (Kafka
  // resends the markers on load). Ongoing ones wait for their timeout.
  std::vector<std::string> deciding;
  for (const auto& [id, md] : txns_) {
    published(id);
    if (md.state() == TxnState::prepare_commit || md.state() == TxnState::prepare_abort) deciding.push_back(id);
  }
  for (const auto& id : deciding) {
    spdlog::info("transactional id {}: completing {} after loading", id, txn_state_name(txns_.at(id).state()));
    complete_transaction(id);
  }
  schedule_abort_timer();
  schedule_expiration_timer();
}

void TransactionCoordinatorShard::on_unloaded() {
  if (publish_)
    for (const auto& [id, md] : txns_) publish_(id, nullptr);
  txns_.clear();
}

}  // namespace fjord::broker::coordinator
