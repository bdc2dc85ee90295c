#pragma once
// Writes handed to the kernel without waiting for them: one process-wide
// Linux AIO context, and a thread of its own ("fj-aioreap") that reaps the
// completions and tells each write's owner. Why: a page-cache-mode ack needs
// the bytes handed to the kernel (a killed process still completes the
// direct writes it submitted), not on the device; waiting for the device
// put its stalls into every ack (docs/performance.md, "Tail writes handed
// to the kernel"). Where AIO is refused (io_setup or io_submit fails) a
// write is done by the submitter itself, and so is the rest of a short one
// (by the reaper).
#include <linux/aio_abi.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace fjord::storage {

class AioWriter {
 public:
  // Writes that complete together. Derive, add() writes, then release().
  class Job {
   public:
    virtual ~Job() = default;

   protected:
    // Called once: after every write added has completed and release() was
    // called. err = 0, or the errno of a failed write. Runs on the reaper
    // thread, or in release() when everything was done already.
    virtual void on_written(int err) = 0;

   private:
    friend class AioWriter;
    struct Piece {
      Job* job;
      int fd;
      const iovec* iov;
      size_t count;
      uint64_t pos;
      uint64_t bytes;
      iocb cb;
    };
    std::deque<Piece> pieces_;  // stable addresses: the kernel hands them back
    std::atomic<int> remaining_{1};  // pieces in flight, + 1 until release()
    std::atomic<int> error_{0};
    std::shared_ptr<Job> self_;  // keeps the job alive from release() to on_written()
  };

  static AioWriter& instance();

  // Queues writing `iov` to fd at pos, for this thread's next submit().
  // `iov` (and the memory it points to) must stay as it is until the job's
  // on_written().
  void add(Job& job, int fd, const std::vector<iovec>& iov, uint64_t pos);
  // Hands everything this thread queued to the kernel, in one io_submit
  // where it can (one device notification for a round's writes, each a VM
  // exit on this project's VMs); what it refuses is written here.
  void submit();
  // Ends the submitter's hold on the job (after submit()); on_written may run inside.
  void release(const std::shared_ptr<Job>& job);
  // Writes submitted through AIO so far (tests).
  uint64_t submitted_async() const { return submitted_async_.load(std::memory_order_relaxed); }

 private:
  AioWriter();
  void reap();
  static void complete(Job* job);
  static void finish_synchronously(Job::Piece& p, uint64_t done);

  static constexpr unsigned kMaxInFlight = 4096;  // requests; beyond that writes are synchronous
  aio_context_t context_ = 0;
  std::atomic<uint64_t> submitted_async_{0};
};

}  // namespace fjord::storage
