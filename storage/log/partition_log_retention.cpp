// Where a partition's log start moves: DeleteRecords, time and size
// retention, and the listener told of it (PartitionLog's other parts:
// partition_log.cpp).
#include <spdlog/spdlog.h>

#include "storage/log/partition_log.h"
#include "storage/log/segment.h"

namespace fjord::storage {

void PartitionLog::set_log_start_listener(std::function<void()> fn) {
  std::lock_guard lk(mu_);
  log_start_listener_ = std::move(fn);
}

void PartitionLog::notify_log_start() {
  move_leader_epochs_start();
  std::function<void()> fn;
  {
    std::lock_guard lk(mu_);
    fn = log_start_listener_;
  }
  if (fn) fn();
}

void PartitionLog::remove_segment_locked(int64_t base) {
  auto it = segments_.find(base);
  if (it == segments_.end()) return;
  // Unlink now; in-flight reads keep the inode alive through their keepalive.
  it->second->remove_files();
  segments_.erase(it);
}

int PartitionLog::delete_segments_below_locked(int64_t offset) {
  int n = 0;
  while (segments_.size() > 1) {
    auto first = segments_.begin();
    auto next = std::next(first);
    if (next->first > offset) break;
    remove_segment_locked(first->first);
    ++n;
  }
  return n;
}

Errc PartitionLog::delete_records_before(int64_t offset, int64_t* new_log_start) {
  {
    std::lock_guard lk(mu_);
    if (closed_) return Errc::shutting_down;
    int64_t hw = hw_.load(std::memory_order_acquire);
    if (offset == -1) offset = hw;
    if (offset < 0 || offset > hw) return Errc::offset_out_of_range;
    if (offset > log_start_) {
      log_start_ = offset;
      log_start_atomic_.store(log_start_, std::memory_order_release);
      delete_segments_below_locked(offset);
      ++generation_;
    }
    if (new_log_start) *new_log_start = log_start_;
  }
  notify_log_start();
  return Errc::ok;
}

int PartitionLog::apply_retention(int64_t now_ms) {
  int deleted = 0;
  {
    std::lock_guard lk(mu_);
    if (closed_ || !config_.cleanup_delete) return 0;
    auto drop_first = [&] {
      int64_t b = segments_.begin()->first;
      spdlog::info("storage: {}-{}: retention deletes segment {}", topic_, partition_, b);
      remove_segment_locked(b);
      ++deleted;
    };
    if (config_.retention_ms >= 0) {
      while (segments_.size() > 1 &&
             now_ms - segments_.begin()->second->largest_timestamp_or_mtime() > config_.retention_ms)
        drop_first();
    }
    if (config_.retention_bytes >= 0) {
      int64_t total = 0;
      for (auto& [b, s] : segments_) total += int64_t(s->size());
      int64_t excess = total - config_.retention_bytes;
      while (segments_.size() > 1 && excess - int64_t(segments_.begin()->second->size()) >= 0) {
        excess -= int64_t(segments_.begin()->second->size());
        drop_first();
      }
    }
    if (deleted) {
      log_start_ = std::max(log_start_, segments_.begin()->first);
      log_start_atomic_ = log_start_;
      ++generation_;
    }
  }
  if (deleted) notify_log_start();
  return deleted;
}

}  // namespace fjord::storage
