#pragma once
// Writes handed to the kernel without waiting for them: one process-wide
// Linux AIO context, and a thread of its own ("fj-aioreap") that reaps the
// completions and tells each write's owner. Why: a page-cache-mode ack
// needs the bytes handed to the kernel (a killed process still completes
// the direct writes it submitted), not on the device; waiting for the
// device put its stalls into every ack (docs/performance.md, "Tail writes
// handed to the kernel"). Where AIO is refused (io_setup or io_submit
// fails) a write is done by the submitter itself, and so is the rest of a
// short one (by the reaper).
//
// Jobs nobody waits for soon (page-cache-mode tail rounds) go to a second
// context that no thread sleeps on: submitters reap it (reap_ready()) and
// "fj-aiolazy" looks every kLazyPeriodMs, so their completions wake nobody
// (a wake-up per round was a third of the broker's voluntary context
// switches at 250k rec/s).
#include <linux/aio_abi.h>
#include <sys/uio.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace fjord::storage {

class AioWriter {
 public:
  // Writes that complete together. Derive, add() writes, then release().
  class Job {
   public:
    virtual ~Job() = default;

    // Before add(): completions may wait up to kLazyPeriod to be seen.
    void set_lazy() { lazy_ = true; }

   protected:
    // Called once: after every write added has completed and release() was
    // called. err = 0, or the errno of a failed write. Runs on a reaper
    // thread, in reap_ready(), or in release() when everything was done already.
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
    bool lazy_ = false;
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
  // Completes the lazy jobs whose writes are done, here (no syscall when none is).
  void reap_ready();
  static constexpr int kLazyPeriodMs = 5;
  // Writes submitted through AIO so far (tests).
  uint64_t submitted_async() const { return submitted_async_.load(std::memory_order_relaxed); }

 private:
  AioWriter();
  void reap();
  void reap_lazy();
  void submit_queued(aio_context_t ctx, std::vector<iocb*>& queued);
  void finish_events(const io_event* events, long n);
  static void complete(Job* job);
  static void finish_synchronously(Job::Piece& p, uint64_t done);

  static constexpr unsigned kMaxInFlight = 4096;  // requests per context; beyond that writes are synchronous
  aio_context_t context_ = 0;
  aio_context_t lazy_context_ = 0;  // 0: lazy jobs use context_
  std::atomic<uint64_t> lazy_in_flight_{0};
  // fj-aiolazy sleeps here once nothing lazy was in flight for a while.
  std::mutex lazy_mu_;
  std::condition_variable lazy_cv_;
  std::atomic<bool> lazy_parked_{false};
  std::atomic<uint64_t> submitted_async_{0};
};

}  // namespace fjord::storage
