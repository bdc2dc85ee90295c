#pragma once
// Page-cache mode with in-memory tails (segment_tail.h): background threads
// that write each partition's new tail bytes to its .log, then answer the
// appends waiting for them (acks and the high watermark wait for the write,
// so a killed broker process loses nothing it acknowledged, as with the page
// cache). A round takes every log queued since the previous one, so writes
// grow with the load. Durable mode needs none of this: the Flusher writes
// the tail right before its fdatasync.
#include <cstdint>
#include <memory>
#include <vector>

#include "storage/log_batch_worker.h"

namespace fjord::storage {

class PartitionLog;

// write_tails() of every log in `logs`, with all their writes in flight at
// once (WriteBatch) instead of one device round trip after another; returns
// each log's write_tails() answer, by index. Takes the logs' write locks in
// address order, so rounds of different threads never wait on each other in
// a cycle.
std::vector<int64_t> write_tails_together(const std::vector<std::shared_ptr<PartitionLog>>& logs);

class TailWriter {
 public:
  // `threads` >= 1; a log always goes to the same thread.
  explicit TailWriter(int threads);
  ~TailWriter();
  TailWriter(const TailWriter&) = delete;
  TailWriter& operator=(const TailWriter&) = delete;

  // Queues `log` for a write (the log folds duplicates).
  void schedule(std::shared_ptr<PartitionLog> log);
  // Writes what is queued, then stops the threads. Idempotent.
  void stop();
  uint64_t rounds() const;

 private:
  LogBatchLanes lanes_;
};

}  // namespace fjord::storage
