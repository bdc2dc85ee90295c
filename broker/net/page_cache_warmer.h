#pragma once
// Loads the file ranges of a response into the page cache on threads of its
// own before a network thread sends them with sendfile. Why: a sendfile that
// misses the cache reads the disk in the network thread, and every other
// connection of that thread waits for it (Kafka's KAFKA-7504). With O_DIRECT
// tails, whatever a consumer reads behind the in-memory window is not
// cached. Thread-safe.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "broker/net/outgoing_response.h"

namespace fjord::broker {

class PageCacheWarmer {
 public:
  explicit PageCacheWarmer(int threads);
  ~PageCacheWarmer();
  PageCacheWarmer(const PageCacheWarmer&) = delete;
  PageCacheWarmer& operator=(const PageCacheWarmer&) = delete;

  // Whether a file slice of `r` starts or ends on a page the cache does not
  // hold (two RWF_NOWAIT reads per slice; memory slices are skipped).
  static bool needs_warming(const OutgoingResponse& r);
  // Reads r's file slices (which caches them), then calls done(r) on a
  // warmer thread. r's keepalive keeps the files open meanwhile. After
  // stop(), done is not called.
  void warm(OutgoingResponse r, std::function<void(OutgoingResponse)> done);
  // Drops queued work and joins the threads.
  void stop();

 private:
  struct Job {
    OutgoingResponse response;
    std::function<void(OutgoingResponse)> done;
  };
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace fjord::broker
