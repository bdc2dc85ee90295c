// Ending transactions (EndTxn, fencing, timeouts), their markers and
// Complete states, and transactional id expiration (Kafka's
// TransactionCoordinator.endTransaction, TransactionMarkerChannelManager and
// TransactionStateManager's timers).
#include <spdlog/spdlog.h>

#include "broker/coordinator/transaction_coordinator_shard.h"
#include "broker/coordinator/transaction_errors.h"
#include "broker/coordinator/transaction_records.h"

namespace fjord::broker::coordinator {
namespace {

constexpr int64_t kMarkerRetryMs = 100;
constexpr int64_t kCompleteRetryMs = 1000;

}  // namespace

void TransactionCoordinatorShard::end_txn(const std::string& id, ProducerIdAndEpoch producer, bool commit,
                                          std::function<void(int16_t)> done) {
  end_transaction(id, producer, commit, true, std::move(done));
}

void TransactionCoordinatorShard::end_transaction(const std::string& id, ProducerIdAndEpoch producer, bool commit,
                                                  bool from_client, std::function<void(int16_t)> done) {
  if (id.empty()) return done(txn_error::kInvalidRequest);
  auto it = txns_.find(id);
  if (it == txns_.end() || it->second.producer_id() != producer.id) return done(txn_error::kInvalidProducerIdMapping);
  TransactionMetadata& md = it->second;
  // Clients must send their own epoch; the coordinator's own aborts carry a bumped one.
  if ((from_client && producer.epoch != md.producer_epoch()) || producer.epoch < md.producer_epoch())
    return done(txn_error::kProducerFenced);
  const bool fencing = md.pending_state() == TxnState::prepare_epoch_fence;
  if (md.pending_transition() && !fencing) return done(txn_error::kConcurrentTransactions);
  const auto invalid = [&] {
    spdlog::debug("transactional id {}: {} in state {}", id, commit ? "commit" : "abort", txn_state_name(md.state()));
    return done(txn_error::kInvalidTxnState);
  };
  switch (md.state()) {
    case TxnState::ongoing: break;
    case TxnState::complete_commit: return commit ? done(txn_error::kNone) : invalid();
    case TxnState::complete_abort: return commit ? invalid() : done(txn_error::kNone);
    case TxnState::prepare_commit: return commit ? done(txn_error::kConcurrentTransactions) : invalid();
    case TxnState::prepare_abort: return commit ? invalid() : done(txn_error::kConcurrentTransactions);
    case TxnState::empty: return invalid();
    case TxnState::dead:
    case TxnState::prepare_epoch_fence:
      spdlog::error("transactional id {}: found in state {}, which is never stored", id, txn_state_name(md.state()));
      return done(txn_error::kUnknownServerError);
  }
  if (fencing) {
    if (commit) {  // not reached: fences are followed by their abort at once
      md.abort_transition();
      return done(txn_error::kConcurrentTransactions);
    }
    md.take_fenced_epoch(producer.epoch);
  }
  const TxnTransition t = md.prepare_abort_or_commit(commit ? TxnState::prepare_commit : TxnState::prepare_abort,
                                                     services_.now_ms());
  write_transition(id, t, [this, id, fencing, done = std::move(done)](int16_t error) {
    if (error) {
      if (fencing)
        if (auto it = txns_.find(id); it != txns_.end()) it->second.set_failed_epoch_fence();
      return done(error);
    }
    // Decided and durable: answer, then write the markers.
    done(txn_error::kNone);
    complete_transaction(id);
  });
}

void TransactionCoordinatorShard::complete_transaction(const std::string& id) {
  auto it = txns_.find(id);
  if (it == txns_.end()) return;
  TransactionMetadata& md = it->second;
  if (md.pending_transition()) return;  // already completing
  const TxnTransition complete = md.prepare_complete(services_.now_ms());
  std::vector<TopicPartition> partitions(md.partitions().begin(), md.partitions().end());
  send_markers(id, complete, std::move(partitions));
}

void TransactionCoordinatorShard::send_markers(const std::string& id, const TxnTransition& complete,
                                               std::vector<TopicPartition> partitions) {
  const bool commit = complete.state == TxnState::complete_commit;
  const TxnProducer producer{complete.producer_id, complete.producer_epoch};
  // The callback comes from a storage thread, maybe after this shard was
  // unloaded: it touches only the services, which drop the posted work then.
  // `self` is a plain pointer, not a captured `this`: the sanitizer checks a
  // captured `this`'s object even when only the pointer is copied.
  markers_.write(producer, coordinator_epoch_, commit, partitions,
                 [self = this, services = &services_, id, complete](std::vector<TopicPartition> failed) {
                   services->post([self, id, complete, failed = std::move(failed)]() mutable {
                     auto it = self->txns_.find(id);
                     if (it == self->txns_.end() || it->second.pending_state() != complete.state) return;
                     if (failed.empty()) return self->write_complete(id, complete);
                     self->services_.schedule("markers/" + id, kMarkerRetryMs, [self, id, complete, failed] {
                       self->send_markers(id, complete, failed);
                     });
                   });
                 });
}

void TransactionCoordinatorShard::write_complete(const std::string& id, const TxnTransition& complete) {
  services_.write({transaction_record(id, complete)}, false, [this, id, complete](int16_t error) {
    auto it = txns_.find(id);
    if (it == txns_.end()) return;
    if (error) {
      // The markers are written; only the Complete state is missing. Try again.
      spdlog::warn("transactional id {}: writing {} failed (error {}); retrying", id, txn_state_name(complete.state),
                   error);
      services_.schedule("complete/" + id, kCompleteRetryMs, [this, id, complete] { write_complete(id, complete); });
      return;
    }
    if (it->second.complete_transition(complete))
      spdlog::debug("transactional id {}: {}", id, txn_state_name(complete.state));
    published(id);
  });
}

void TransactionCoordinatorShard::abort_timed_out_transactions() {
  const int64_t now = services_.now_ms();
  std::vector<std::string> timed_out;
  for (const auto& [id, md] : txns_)
    if (md.state() == TxnState::ongoing && !md.pending_transition() && md.start_timestamp() + md.timeout_ms() < now)
      timed_out.push_back(id);
  for (const auto& id : timed_out) {
    TransactionMetadata& md = txns_.at(id);
    spdlog::info("transactional id {}: transaction (producer id {}, epoch {}) timed out after {} ms; aborting", id,
                 md.producer_id(), md.producer_epoch(), md.timeout_ms());
    const TxnTransition fence = md.prepare_fence_epoch();
    end_transaction(id, {md.producer_id(), fence.producer_epoch}, false, false, [id](int16_t error) {
      if (error) spdlog::warn("transactional id {}: aborting the timed-out transaction failed (error {})", id, error);
    });
  }
}

void TransactionCoordinatorShard::remove_expired_transactional_ids() {
  const int64_t now = services_.now_ms();
  std::vector<std::string> expired;
  for (const auto& [id, md] : txns_) {
    const bool idle = md.state() == TxnState::empty || md.state() == TxnState::complete_commit ||
                      md.state() == TxnState::complete_abort;
    if (idle && !md.pending_transition() && md.last_update_timestamp() <= now - config_.id_expiration_ms)
      expired.push_back(id);
  }
  for (const auto& id : expired) {
    txns_.at(id).prepare_dead();
    services_.write({transaction_tombstone(id)}, false, [this, id](int16_t error) {
      auto it = txns_.find(id);
      if (it == txns_.end()) return;
      if (error) return it->second.abort_transition();
      spdlog::info("transactional id {} expired", id);
      txns_.erase(it);
      published(id);
    });
  }
}

void TransactionCoordinatorShard::schedule_abort_timer() {
  services_.schedule("abort-timed-out", config_.abort_timed_out_interval_ms, [this] {
    abort_timed_out_transactions();
    schedule_abort_timer();
  });
}

void TransactionCoordinatorShard::schedule_expiration_timer() {
  services_.schedule("expire-ids", config_.remove_expired_interval_ms, [this] {
    remove_expired_transactional_ids();
    schedule_expiration_timer();
  });
}

}  // namespace fjord::broker::coordinator
