#pragma once
// Tail rounds run by the thread that appended, for a thread with an event
// loop of its own (a network thread). While a ThreadTailRound is installed
// on a thread, TailWriter::schedule() calls made there for page-cache-mode
// logs collect the logs in it, and the first of them calls `arm`, which
// must make the loop call run() once it has handled what woke it; run()
// writes them all in one round (write_tails_together) and answers their
// waiters there. Why: a round on a TailWriter thread costs a wake-up there,
// and another on the network thread to carry each answer back; on this
// project's VMs every context switch is dear (docs/performance.md, "Tail
// rounds on the network threads"). For the same reason a round's writes
// are lazy AIO jobs, and run() first reaps the ones already done
// (AioWriter::reap_ready).
#include <functional>
#include <memory>
#include <vector>

namespace fjord::storage {

class WritePipeline;

class ThreadTailRound {
 public:
  explicit ThreadTailRound(std::function<void()> arm);
  // Uninstalls it if it is the calling thread's.
  ~ThreadTailRound();
  ThreadTailRound(const ThreadTailRound&) = delete;
  ThreadTailRound& operator=(const ThreadTailRound&) = delete;

  // The calling thread's round from now on (nullptr: none).
  static void install(ThreadTailRound* round);
  static ThreadTailRound* current();

  // Collects `log` for the next run(); arms on the first.
  void add(std::shared_ptr<WritePipeline> log);
  // Writes what was collected and answers its waiters. Logs added meanwhile
  // (an answer may append) wait for the next run, armed again.
  void run();
  bool empty() const { return logs_.empty(); }

 private:
  const std::function<void()> arm_;
  std::vector<std::shared_ptr<WritePipeline>> logs_;
};

}  // namespace fjord::storage
