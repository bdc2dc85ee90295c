#pragma once
// In-memory tails (segment_tail.h): background threads that hand each
// partition's new tail bytes to the kernel (WritePipeline::submit_tail_writes),
// which answers the page-cache-mode appends waiting for them: a killed
// broker process loses nothing it acknowledged, as with the page cache. A
// round takes every log queued since the previous one, so writes grow with
// the load. In durable mode they write ahead of the Flusher, which writes
// the rest of the tail and waits for it before its fdatasync. Page-cache
// rounds of a thread with a ThreadTailRound (a network thread) run there
// instead (thread_tail_round.h).
#include <cstdint>
#include <memory>
#include <vector>

#include "storage/io/log_batch_worker.h"

namespace fjord::storage {

class WritePipeline;

// The tail writes of every log in `logs`, all in flight at once instead of
// one device round trip after another; with `wait`, each log's answer is
// what write_tails() returns, else what submit_tail_writes() does, by index.
// `lazy` (not with `wait`): the page-cache-mode writes' completions may be
// seen late (AioWriter::Job::set_lazy).
std::vector<int64_t> write_tails_together(const std::vector<std::shared_ptr<WritePipeline>>& logs, bool wait = true,
                                          bool lazy = false);

class TailWriter {
 public:
  // `threads` >= 1; a log always goes to the same thread.
  explicit TailWriter(int threads);
  ~TailWriter();
  TailWriter(const TailWriter&) = delete;
  TailWriter& operator=(const TailWriter&) = delete;

  // Queues `log` for a write (the log folds duplicates): on the calling
  // thread's ThreadTailRound if it has one and `may_run_here`, else on
  // one of this writer's threads.
  void schedule(std::shared_ptr<WritePipeline> log, bool may_run_here = false);
  // Writes what is queued, then stops the threads. Idempotent.
  void stop();
  uint64_t rounds() const;

 private:
  LogBatchLanes lanes_;
};

}  // namespace fjord::storage
