#pragma once
// One thread for the handlers that change the topic store (CreateTopics,
// DeleteTopics). Creating a topic creates and fsyncs files: 1000 partitions
// took 143 ms here, and on a network thread every other connection of that
// thread would wait as long. One thread keeps those changes in arrival
// order, as Kafka's controller does. Thread-safe.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace fjord::broker {

class AdminWorker {
 public:
  AdminWorker();
  ~AdminWorker();  // calls stop()
  AdminWorker(const AdminWorker&) = delete;
  AdminWorker& operator=(const AdminWorker&) = delete;

  // Runs `job` on the worker thread after those posted before it. After
  // stop() the job is dropped (a dropped Responder closes its connection).
  void post(std::function<void()> job);
  // Finishes the job in hand, drops the queued ones, joins. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace fjord::broker
