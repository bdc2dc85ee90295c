#pragma once
// fdatasyncs of several files, all in flight at once and waited for
// together (Linux native AIO, IOCB_CMD_FDSYNC). Why: a Flusher round used to
// sync each partition's segment after the other, so it took one device
// round trip per partition and the acks of the last one waited for all the
// others. Where AIO is refused (io_setup or io_submit fails) the rest is
// done with fdatasync.
//
// Not thread-safe: each syncing thread uses its own (for_this_thread()); the
// AIO context is set up on the first run() with more than one sync and kept
// until the thread ends.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fjord::storage {

class SyncBatch {
 public:
  SyncBatch() = default;
  ~SyncBatch();
  SyncBatch(const SyncBatch&) = delete;
  SyncBatch& operator=(const SyncBatch&) = delete;

  // This thread's batch (empty between runs).
  static SyncBatch& for_this_thread();

  // Queues an fdatasync of fd; returns its index for run()'s answer.
  size_t add(int fd);
  // Runs every queued sync and empties the queue. Answer by index: 0 when
  // the sync succeeded, else its errno.
  std::vector<int> run();

  // Syncs submitted through AIO so far (tests).
  uint64_t submitted_async() const { return submitted_async_; }

 private:
  bool ensure_context();

  static constexpr size_t kMaxInFlight = 256;  // AIO requests per io_submit wave
  std::vector<int> fds_;
  unsigned long context_ = 0;  // aio_context_t
  bool context_failed_ = false;
  uint64_t submitted_async_ = 0;
};

}  // namespace fjord::storage
