#pragma once
// Group commit: background threads ("lanes") fdatasync each dirty partition
// once for every append that arrived since its last sync, then complete the
// durability waiters of that partition (callbacks run on the lane's thread).
// A partition always goes to the same lane; lanes sync concurrently, so one
// partition's fdatasync does not wait behind every other partition's.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/file_ops.h"
#include "storage/io/log_batch_worker.h"

namespace fjord::storage {

class WritePipeline;

class Flusher {
 public:
  static constexpr int kDefaultLanes = 4;
  explicit Flusher(int lanes = kDefaultLanes);
  ~Flusher();
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  // Queues `log` for a sync round (cheap; duplicates are folded by the log).
  void schedule(std::shared_ptr<WritePipeline> log);
  // Drains the queues and stops the threads.
  void stop();
  // Number of fdatasync rounds done (for tests/benchmarks).
  uint64_t rounds() const;

 private:
  using DirFds = std::map<std::string, FileHandle>;  // one lane's syncfs() targets
  static void round(DirFds& dir_fds, LogBatchWorker::Batch& batch);
  // One syncfs() per log dir for a round with many dirty logs.
  static void sync_together(DirFds& dir_fds, const LogBatchWorker::Batch& batch);
  static constexpr size_t kSyncfsMinLogs = 8;

  std::vector<DirFds> dir_fds_;  // by lane, each touched by its lane's thread only
  LogBatchLanes lanes_;          // last: its threads use dir_fds_
};

}  // namespace fjord::storage
