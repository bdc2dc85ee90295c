// PartitionLog's leader epochs: the epoch stamped into appended batches and
// the leader-epoch-checkpoint kept as Kafka's UnifiedLog keeps it.
#include <spdlog/spdlog.h>

#include "storage/log/leader_epoch_cache.h"
#include "storage/log/partition_log.h"
#include "storage/log/segment.h"

namespace fjord::storage {

namespace {
// A single node leads every partition from its creation on, in epoch 0
// (what Metadata reports).
constexpr int32_t kInitialLeaderEpoch = 0;
}  // namespace

Errc PartitionLog::load_leader_epochs_locked(bool created) {
  bool malformed = false;
  epochs_ = LeaderEpochCache::load(dir_, &malformed);
  if (malformed)
    spdlog::warn("storage: {}-{}: {} is malformed; rebuilding it", topic_, partition_, LeaderEpochCache::kFileName);
  // As Kafka on load: epochs past the (possibly recovered) log end go, and
  // the first starts no lower than the log start.
  if (epochs_->truncate_from_end(log_end_) != Errc::ok || epochs_->truncate_from_start(log_start_) != Errc::ok)
    return Errc::io_error;
  if (!epochs_->latest() && log_end_ > log_start_) {
    // No checkpoint (lost in a crash right after the partition was created,
    // or a log from before batches carried epochs): the first batch's epoch
    // started at the log start, if it has one.
    auto first = segments_.upper_bound(log_start_);
    if (first != segments_.begin()) --first;
    StoredBatch b;
    if (first != segments_.end() && first->second->find_batch(log_start_, &b)) {
      if (const uint8_t* p = first->second->data_at(b.position)) {
        const int32_t epoch = protocol::RecordBatchView(const_cast<uint8_t*>(p), b.size).partition_leader_epoch();
        if (epoch >= 0 && epochs_->assign(epoch, log_start_) != Errc::ok) return Errc::io_error;
      }
    }
  }
  const auto latest = epochs_->latest();
  leader_epoch_.store(latest ? latest->epoch : kInitialLeaderEpoch, std::memory_order_relaxed);
  // Becoming leader starts the epoch at the log end (Kafka's makeLeader);
  // a no-op when it is the latest epoch already. A new partition's file is
  // written without fsyncs, like its partition.metadata: a crash may lose
  // it, and the next open rebuilds it from the first batch.
  if (epochs_->assign(leader_epoch_.load(std::memory_order_relaxed), log_end_, !created) != Errc::ok) {
    spdlog::error("storage: {}-{}: cannot write {}", topic_, partition_, LeaderEpochCache::kFileName);
    return Errc::io_error;
  }
  return Errc::ok;
}

Errc PartitionLog::set_leader_epoch(int32_t epoch) {
  if (epoch < 0) return Errc::invalid_request;
  // Under the partition lock, as Kafka's makeLeader holds the partition's:
  // no append may land between the epoch's start and its first batch. Rare
  // (a leader change), so the checkpoint write is acceptable here.
  std::lock_guard lk(mu_);
  if (closed_) return Errc::shutting_down;
  if (Errc e = epochs_->assign(epoch, log_end_); e != Errc::ok) return e;
  leader_epoch_.store(epoch, std::memory_order_relaxed);
  return Errc::ok;
}

std::pair<int32_t, int64_t> PartitionLog::end_offset_for_epoch(int32_t epoch) const {
  return epochs_->end_offset_for(epoch, log_end_offset());
}

Errc PartitionLog::truncate_leader_epochs_locked(bool fully) {
  // Kafka: truncateTo drops the epochs starting at or after the new end;
  // truncateFullyAndStartAt clears them. The current epoch then starts
  // again at the log end, for the batches appended next.
  Errc e = fully ? epochs_->clear() : epochs_->truncate_from_end(log_end_);
  if (e == Errc::ok) e = epochs_->assign(leader_epoch_.load(std::memory_order_relaxed), log_end_);
  if (e != Errc::ok)
    spdlog::error("storage: {}-{}: cannot write {}", topic_, partition_, LeaderEpochCache::kFileName);
  return e;
}

void PartitionLog::move_leader_epochs_start() {
  // Outside the partition lock (the file write waits for the disk). The log
  // start only moves forward here; a concurrent full truncation resets it,
  // which is why the current value is read, not the caller's.
  if (epochs_ && epochs_->truncate_from_start(log_start_offset()) != Errc::ok)
    spdlog::error("storage: {}-{}: cannot write {}", topic_, partition_, LeaderEpochCache::kFileName);
}

}  // namespace fjord::storage
