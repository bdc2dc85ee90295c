// PartitionLog's producer state (partition_log.h): the checks on the append
// path, transaction markers and the last stable offset, the .txnindex
// entries of aborted transactions, snapshots and the rebuild at open.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>

#include "protocol/records/record_batch_builder.h"
#include "storage/log/partition_log.h"
#include "storage/log/producer_snapshot.h"
#include "storage/log/segment.h"

namespace fjord::storage {

namespace {
constexpr size_t kSnapshotsKept = 3;
}

Errc PartitionLog::check_producer_locked(const protocol::RecordBatchView& batch, AppendInfo* out, bool* duplicate) {
  ProducerStateTable::Check c = producers_.check(batch);
  if (c.error != Errc::ok) return c.error;
  if (c.duplicate) {
    *duplicate = true;
    if (out) {
      out->base_offset = c.duplicate->first_offset();
      out->last_offset = c.duplicate->last_offset;
      out->log_append_time = -1;
      out->log_start_offset = log_start_;
      out->duplicate = true;
    }
  }
  return Errc::ok;
}

void PartitionLog::record_producer_locked(const protocol::RecordBatchView& batch, int64_t base, int64_t last,
                                          Segment& active, int64_t now_ms) {
  std::optional<CompletedTxn> completed;
  producers_.record(batch, base, last, &completed);
  if (completed && completed->aborted) {
    AbortedTxn entry{completed->producer_id, completed->first_offset, completed->last_offset,
                     producers_.last_stable_offset_for(*completed)};
    if (active.txn_index().append(entry) != Errc::ok && error_log_due_locked(now_ms))
      spdlog::error("storage: {}-{}: cannot write {}: {}{}", topic_, partition_, active.txn_index().path(),
                    strerror(errno), suppressed_note_locked());
  }
  if (batch.transactional()) publish_lso_locked();
}

void PartitionLog::publish_lso_locked() {
  const int64_t hw = hw_.load(std::memory_order_relaxed);
  int64_t lso = hw;
  if (producers_.has_unstable())
    if (auto first = producers_.first_unstable_offset(hw)) lso = std::min(lso, *first);
  lso_.store(lso, std::memory_order_release);
}

Errc PartitionLog::append_txn_marker(int64_t producer_id, int16_t producer_epoch, bool commit,
                                     int32_t coordinator_epoch, AppendInfo* out) {
  thread_local protocol::RecordBatchBuilder builder;
  thread_local std::vector<uint8_t> bytes;
  protocol::BatchOptions options;
  options.producer_id = producer_id;
  options.producer_epoch = producer_epoch;
  options.transactional = true;
  options.control = true;
  builder.reset(options);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  builder.add_control(now, commit ? protocol::ControlType::commit : protocol::ControlType::abort, coordinator_epoch);
  bytes.clear();
  if (builder.finish(bytes) != protocol::BatchError::ok) return Errc::corrupt_message;
  return append(protocol::RecordBatchView(bytes.data(), bytes.size()), out);
}

void PartitionLog::take_producer_snapshot_locked(bool sync) {
  // Without sync a crash may leave a torn file; loading skips it by its CRC
  // and replays from an older one. An empty table is never worth an fsync
  // (shutting down thousands of partitions of plain producers).
  sync = sync && !producers_.empty();
  if (write_producer_snapshot(dir_, log_end_, encode_producer_snapshot(producers_), sync) != Errc::ok) {
    spdlog::warn("storage: {}-{}: cannot write the producer snapshot at {}: {}", topic_, partition_, log_end_,
                 strerror(errno));
    return;
  }
  delete_old_producer_snapshots(dir_, kSnapshotsKept);
}

Errc PartitionLog::load_producers_locked(bool clean) {
  (void)clean;  // a clean shutdown left a snapshot at the log end: nothing to replay
  delete_producer_snapshots_above(dir_, log_end_);
  producers_.clear();
  const int64_t from = load_latest_producer_snapshot(dir_, log_end_, &producers_).value_or(log_start_);
  // Replays every batch with a producer id after the snapshot: what it knew
  // plus the log is the state (Kafka's loadProducerState). Markers found
  // here may have lost their .txnindex entry to a crash: written again.
  auto it = segments_.upper_bound(from);
  if (it != segments_.begin()) --it;
  size_t replayed = 0;
  for (; it != segments_.end(); ++it) {
    Segment& seg = *it->second;
    StoredBatch b;
    if (!seg.find_batch(from, &b)) continue;
    for (uint64_t pos = b.position; pos < seg.size() && seg.batch_at(pos, &b); pos += b.size) {
      if (b.last_offset < from) continue;
      const uint8_t* data = seg.data_at(pos);
      if (!data) return Errc::io_error;
      protocol::RecordBatchView view(const_cast<uint8_t*>(data), b.size);
      if (view.producer_id() < 0) continue;
      std::optional<CompletedTxn> completed;
      producers_.record(view, b.base_offset, b.last_offset, &completed);
      ++replayed;
      if (completed && completed->aborted &&
          !seg.txn_index().contains(completed->producer_id, completed->first_offset)) {
        AbortedTxn entry{completed->producer_id, completed->first_offset, completed->last_offset,
                         producers_.last_stable_offset_for(*completed)};
        if (seg.txn_index().append(entry) != Errc::ok) return Errc::io_error;
      }
    }
  }
  if (replayed)
    spdlog::info("storage: {}-{}: producer state rebuilt from offset {} ({} batches replayed, {} producers)", topic_,
                 partition_, from, replayed, producers_.producers().size());
  publish_lso_locked();
  return Errc::ok;
}

std::vector<AbortedTxn> PartitionLog::aborted_transactions(int64_t from, int64_t upto) const {
  std::vector<AbortedTxn> out;
  std::lock_guard lk(mu_);
  auto it = segments_.upper_bound(from);
  if (it != segments_.begin()) --it;
  for (; it != segments_.end(); ++it)
    if (it->second->txn_index().collect(from, upto, &out)) break;
  return out;
}

std::vector<ProducerEntry> PartitionLog::producer_states() const {
  std::lock_guard lk(mu_);
  std::vector<ProducerEntry> out;
  out.reserve(producers_.producers().size());
  for (const auto& [pid, e] : producers_.producers()) out.push_back(e);
  return out;
}

size_t PartitionLog::expire_producers(int64_t now_ms, int64_t expiration_ms) {
  std::lock_guard lk(mu_);
  if (closed_ || producers_.empty()) return 0;
  return producers_.expire(now_ms, expiration_ms);
}

}  // namespace fjord::storage
