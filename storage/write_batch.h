#pragma once
// Positional writes to several files (or their fdatasyncs), all in flight
// at once and waited for together (Linux native AIO, io_submit). Why: a
// tail-write round used to write each partition's tail with its own
// synchronous pwritev, so the round took one device round trip per
// partition and the acks of the last one waited for all the others; the
// same for a Flusher lane's fdatasyncs. Where AIO is refused (io_setup or
// io_submit fails), or a write comes back short, the rest is done with
// pwritev or fdatasync.
//
// Not thread-safe: each writing thread uses its own (for_this_thread()); the
// AIO context is set up on the first run() with more than one write and kept
// until the thread ends.
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace fjord::storage {

class WriteBatch {
 public:
  WriteBatch() = default;
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  // This thread's batch (empty between runs).
  static WriteBatch& for_this_thread();

  // Queues writing *iov to fd at pos; returns the write's index for run()'s
  // answer. *iov must outlive run(); it is not changed.
  size_t add(int fd, std::vector<iovec>* iov, uint64_t pos);
  // Queues an fdatasync of fd (IOCB_CMD_FDSYNC), same answer. Not ordered
  // with writes of the same run: sync what an earlier run() wrote.
  size_t add_sync(int fd);
  // Runs every queued write and empties the queue. Answer by index: 0 when
  // the write is wholly done, else its errno.
  std::vector<int> run();

  // Writes submitted through AIO so far (tests).
  uint64_t submitted_async() const { return submitted_async_; }

 private:
  struct Write {
    int fd;
    std::vector<iovec>* iov;  // null: an fdatasync
    uint64_t pos;
  };
  // One AIO request: iovecs [first, first + count) of write `write`, at pos.
  struct Piece {
    size_t write;
    size_t first;
    size_t count;
    uint64_t pos;
    uint64_t bytes;
  };
  bool ensure_context();
  void run_pieces(std::span<const Piece> pieces, std::vector<int>& errors);
  // The synchronous way: the piece from byte `done` on.
  void finish_piece(const Piece& p, uint64_t done, std::vector<int>& errors);

  static constexpr size_t kMaxInFlight = 256;  // AIO requests per io_submit wave
  std::vector<Write> writes_;
  unsigned long context_ = 0;  // aio_context_t
  bool context_failed_ = false;
  uint64_t submitted_async_ = 0;
};

}  // namespace fjord::storage
