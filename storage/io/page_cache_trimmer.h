#pragma once
// Bounds how much of each partition log stays in the page cache. One
// background thread, woken every `step` appended bytes per log, (1) starts
// writeback of the new bytes early (sync_file_range), and (2) drops pages
// more than `window` bytes behind the log end once they are clean
// (posix_fadvise DONTNEED).
//
// Why: consumers read the tail, which stays cached; without this the log's
// whole history fills memory and every append copies into a never-touched
// page. Freed pages are reused by the next appends while they are still
// warm; on this project's VMs a fresh page costs a host fault (buffered
// writes: ~0.5 GB/s fresh vs ~2.4 GB/s with a window; see docs/storage.md).
// Early writeback also keeps dirty memory small, so the kernel never
// throttles an append in balance_dirty_pages. None of this is a durability
// promise: acks still wait for fdatasync (durable mode) or nothing (page-cache mode).
#include <cstdint>
#include <memory>

#include "storage/io/log_batch_worker.h"

namespace fjord::storage {

class WritePipeline;

class PageCacheTrimmer {
 public:
  // `window_bytes` kept cached per partition (> 0).
  explicit PageCacheTrimmer(uint64_t window_bytes);
  ~PageCacheTrimmer();
  PageCacheTrimmer(const PageCacheTrimmer&) = delete;
  PageCacheTrimmer& operator=(const PageCacheTrimmer&) = delete;

  // Bytes appended to a log between two passes over it.
  static constexpr uint64_t kStepBytes = 4 << 20;

  uint64_t window_bytes() const { return window_; }
  // Queues `log` for a pass (the log folds duplicates).
  void schedule(std::shared_ptr<WritePipeline> log);
  // Drops the queue and stops the thread. Idempotent.
  void stop();
  // Rounds of passes done (tests).
  uint64_t passes() const;

 private:
  const uint64_t window_;
  LogBatchWorker worker_;  // last: its thread reads window_
};

}  // namespace fjord::storage
