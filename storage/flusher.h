#pragma once
// Group commit: one background thread fdatasyncs each dirty partition once
// for every append that arrived since its last sync, then completes the
// durability waiters of that partition (callbacks run on this thread).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/file_ops.h"
#include "storage/log_batch_worker.h"

namespace fjord::storage {

class PartitionLog;

class Flusher {
 public:
  Flusher();
  ~Flusher();
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  // Queues `log` for a sync round (cheap; duplicates are folded by the log).
  void schedule(std::shared_ptr<PartitionLog> log);
  // Drains the queue and stops the thread.
  void stop();
  // Number of fdatasync rounds done (for tests/benchmarks).
  uint64_t rounds() const;

 private:
  void round(LogBatchWorker::Batch& batch);
  // One syncfs() per log dir for a round with many dirty logs.
  void sync_together(const LogBatchWorker::Batch& batch);
  static constexpr size_t kSyncfsMinLogs = 8;

  std::map<std::string, FileHandle> dir_fds_;  // flusher thread only: syncfs() targets
  LogBatchWorker worker_;  // last: its thread uses the members above
};

}  // namespace fjord::storage
