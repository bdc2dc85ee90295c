#include "storage/log/producer_state_table.h"

#include <climits>

#include "protocol/records/record_reader.h"

namespace fjord::storage {
namespace {

// Sequences wrap from INT32_MAX to 0 (Kafka's DefaultRecordBatch).
int32_t increment_sequence(int32_t seq, int32_t by) {
  if (seq > INT32_MAX - by) return by - (INT32_MAX - seq) - 1;
  return seq + by;
}
int32_t decrement_sequence(int32_t seq, int32_t by) {
  if (seq < by) return INT32_MAX - (by - seq) + 1;
  return seq - by;
}
bool in_sequence(int32_t last, int32_t next) { return last == INT32_MAX ? next == 0 : next == last + 1; }
int32_t last_sequence(const protocol::RecordBatchView& b) {
  return b.base_sequence() < 0 ? -1 : increment_sequence(b.base_sequence(), b.last_offset_delta());
}

}  // namespace

int32_t ProducerBatch::first_seq() const { return last_seq < 0 ? -1 : decrement_sequence(last_seq, offset_delta); }

void ProducerEntry::add_batch(const ProducerBatch& b) {
  if (batch_count == kCachedBatches) {
    for (size_t i = 1; i < kCachedBatches; ++i) batches[i - 1] = batches[i];
    --batch_count;
  }
  batches[batch_count++] = b;
}

void ProducerEntry::set_epoch(int16_t e) {
  if (e == epoch) return;
  epoch = e;
  batch_count = 0;
}

bool ProducerStateTable::parse_marker(const protocol::RecordBatchView& batch, bool* abort,
                                      int32_t* coordinator_epoch) {
  if (batch.record_count() != 1 || batch.compression() != protocol::Compression::none) return false;
  protocol::RecordReader reader;
  std::vector<uint8_t> unused;  // never grows: the batch is uncompressed
  if (reader.open(batch, unused) != protocol::BatchError::ok) return false;
  protocol::Record r;
  if (!reader.next(&r) || r.key.size < 4 || r.value.size < 6) return false;
  const uint8_t* k = r.key.data;
  const uint8_t* v = r.value.data;
  const int16_t type = int16_t(protocol::detail::load_be(k + 2, 2));
  if (type != 0 && type != 1) return false;
  *abort = type == 0;
  *coordinator_epoch = int32_t(protocol::detail::load_be(v + 2, 4));
  return true;
}

ProducerStateTable::Check ProducerStateTable::check(const protocol::RecordBatchView& batch) const {
  Check c;
  const int16_t epoch = batch.producer_epoch();
  auto it = producers_.find(batch.producer_id());
  const ProducerEntry* e = it == producers_.end() ? nullptr : &it->second;
  if (batch.control()) {
    bool abort = false;
    int32_t coordinator_epoch = -1;
    if (!parse_marker(batch, &abort, &coordinator_epoch)) c.error = Errc::corrupt_message;
    else if (e && epoch < e->epoch) c.error = Errc::invalid_producer_epoch;
    else if (e && coordinator_epoch < e->coordinator_epoch) c.error = Errc::transaction_coordinator_fenced;
    return c;
  }
  if (!e) return c;  // a producer this partition does not know: any sequence (Kafka 2.5+)
  const int32_t first_seq = batch.base_sequence();
  // No sequence: a coordinator's transactional write (TxnOffsetCommit in
  // __consumer_offsets); Kafka checks sequences and duplicates only for
  // clients' appends (AppendOrigin.CLIENT), which always carry one.
  if (first_seq < 0) {
    if (epoch < e->epoch) c.error = Errc::invalid_producer_epoch;
    return c;
  }
  const int32_t last_seq = last_sequence(batch);
  // A retry of a batch already written (Kafka's findDuplicateBatch).
  if (epoch == e->epoch)
    for (size_t i = 0; i < e->batch_count; ++i)
      if (e->batches[i].first_seq() == first_seq && e->batches[i].last_seq == last_seq) {
        c.duplicate = e->batches[i];
        return c;
      }
  if (epoch < e->epoch) {
    c.error = Errc::invalid_producer_epoch;
    return c;
  }
  if (epoch != e->epoch) {
    // A new epoch starts at sequence 0, unless the entry never had one.
    if (first_seq != 0 && e->epoch != -1) c.error = Errc::out_of_order_sequence;
  } else if (e->epoch != -1 && !in_sequence(e->last_seq(), first_seq)) {
    c.error = Errc::out_of_order_sequence;
  }
  if (c.error == Errc::ok && !batch.transactional() && e->txn_first_offset >= 0) c.error = Errc::invalid_txn_state;
  return c;
}

void ProducerStateTable::record(const protocol::RecordBatchView& batch, int64_t base_offset, int64_t last_offset,
                                std::optional<CompletedTxn>* completed) {
  const int64_t pid = batch.producer_id();
  auto [it, fresh] = producers_.try_emplace(pid);
  ProducerEntry& e = it->second;
  if (fresh) e.producer_id = pid;
  e.set_epoch(batch.producer_epoch());
  e.last_timestamp = batch.max_timestamp();
  if (batch.control()) {
    bool abort = false;
    int32_t coordinator_epoch = -1;
    if (!parse_marker(batch, &abort, &coordinator_epoch)) return;
    if (e.txn_first_offset >= 0) {
      ongoing_.erase(e.txn_first_offset);
      unstable_completed_.emplace(e.txn_first_offset, base_offset);
      if (completed) *completed = CompletedTxn{pid, e.txn_first_offset, base_offset, abort};
    }
    e.txn_first_offset = -1;
    e.coordinator_epoch = coordinator_epoch;
    return;
  }
  e.add_batch(ProducerBatch{last_sequence(batch), last_offset, int32_t(last_offset - base_offset),
                            batch.max_timestamp()});
  if (batch.transactional() && e.txn_first_offset < 0) {
    e.txn_first_offset = base_offset;
    ongoing_[base_offset] = pid;
  }
}

int64_t ProducerStateTable::last_stable_offset_for(const CompletedTxn& txn) const {
  for (const auto& [first, pid] : ongoing_)
    if (pid != txn.producer_id) return first;
  return txn.last_offset + 1;
}

std::optional<int64_t> ProducerStateTable::first_unstable_offset(int64_t high_watermark) {
  for (auto it = unstable_completed_.begin(); it != unstable_completed_.end();)
    it = it->second < high_watermark ? unstable_completed_.erase(it) : std::next(it);
  std::optional<int64_t> first;
  if (!ongoing_.empty()) first = ongoing_.begin()->first;
  if (!unstable_completed_.empty() && (!first || unstable_completed_.begin()->first < *first))
    first = unstable_completed_.begin()->first;
  return first;
}

size_t ProducerStateTable::expire(int64_t now_ms, int64_t expiration_ms) {
  size_t n = 0;
  for (auto it = producers_.begin(); it != producers_.end();) {
    if (it->second.txn_first_offset < 0 && now_ms - it->second.last_timestamp >= expiration_ms) {
      it = producers_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

void ProducerStateTable::clear() {
  producers_.clear();
  ongoing_.clear();
  unstable_completed_.clear();
}

void ProducerStateTable::load_entry(const ProducerEntry& e) {
  producers_[e.producer_id] = e;
  if (e.txn_first_offset >= 0) ongoing_[e.txn_first_offset] = e.producer_id;
}

}  // namespace fjord::storage
