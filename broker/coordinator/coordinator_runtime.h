#pragma once
// Runs a coordinator as one state machine (shard) per partition of its
// internal topic, as Kafka's CoordinatorRuntime does. Each shard runs on its
// own strand of a small thread pool, one event at a time, with its own
// timers. A shard's writes become record batches appended to its partition;
// their answers are released once the batch is durable. Loading a shard
// replays its partition through CoordinatorShard::replay, the code live
// writes use. Shards are loaded and unloaded as a unit; which ones this node
// loads comes from LocalLeadership.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "broker/cluster/local_leadership.h"
#include "broker/coordinator/coordinator_shard.h"
#include "storage/log/log_manager.h"

namespace fjord::broker::coordinator {

class CoordinatorRuntime {
 public:
  struct Options {
    std::string name;  // for logs and thread names, e.g. "group"
    std::string topic;
    int32_t partitions = 1;
    int threads = 1;
    std::function<int64_t()> clock;  // ms; default: the system clock
  };
  using ShardFactory = std::function<std::unique_ptr<CoordinatorShard>(ShardServices&, int32_t partition)>;
  // Called with the shard (on its executor) and 0, or with null and the
  // error when the shard is not there to run it.
  using Event = std::function<void(CoordinatorShard* shard, int16_t error)>;

  CoordinatorRuntime(storage::LogManager& logs, const LocalLeadership& leadership, Options options,
                     ShardFactory factory);
  ~CoordinatorRuntime();
  CoordinatorRuntime(const CoordinatorRuntime&) = delete;
  CoordinatorRuntime& operator=(const CoordinatorRuntime&) = delete;

  // Starts the threads and loads every shard this node leads (in the
  // background: until one is loaded its requests get COORDINATOR_LOAD_IN_PROGRESS).
  void start();
  // Unloads every shard, waits for writes in flight, stops the threads.
  void shutdown();

  void load(int32_t partition);
  void unload(int32_t partition);

  // Runs `event` on the partition's shard: exactly once, on the shard's
  // executor when it is loaded, else inline with NOT_COORDINATOR (16) or
  // COORDINATOR_LOAD_IN_PROGRESS (14).
  void submit(int32_t partition, Event event);
  // Appends a transaction marker of `producer` to the partition, in order
  // with the shard's writes; once durable the shard replays it
  // (CoordinatorShard::replay_end_txn) and done(0) runs. Written even while
  // the shard loads (the load then replays it).
  void write_end_marker(int32_t partition, TxnProducer producer, int32_t coordinator_epoch, bool commit,
                        std::function<void(int16_t error)> done);
  // 0 when the shard is loaded, else the error submit() would give.
  int16_t status(int32_t partition) const;
  int32_t partitions() const { return options_.partitions; }
  const std::string& topic() const { return options_.topic; }
  // Waits until no shard is loading (tests, start-up logs).
  bool wait_loaded(std::chrono::milliseconds timeout) const;

 private:
  class Slot;
  storage::LogManager& logs_;
  const LocalLeadership& leadership_;
  Options options_;
  ShardFactory factory_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::unique_ptr<Slot>> slots_;  // by partition; destroyed before io_
  std::vector<std::thread> threads_;
  std::atomic<int64_t> durability_waits_{0};  // when_durable callbacks not yet run
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace fjord::broker::coordinator
