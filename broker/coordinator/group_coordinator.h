#pragma once
// The group coordinator as the handlers see it: __consumer_offsets (created
// at start-up when missing), the partition (shard) each group lives in, and
// a way to run code on a group's shard. The logic is in
// GroupCoordinatorShard; the threading, log writes and loading in
// CoordinatorRuntime.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "broker/cluster/local_leadership.h"
#include "broker/coordinator/coordinator_runtime.h"
#include "broker/coordinator/group_coordinator_shard.h"
#include "storage/log/log_manager.h"

namespace fjord::broker::coordinator {

struct GroupCoordinatorOptions {
  GroupConfig group;
  int32_t offsets_topic_partitions = 50;      // offsets.topic.num.partitions
  int32_t offsets_topic_segment_bytes = 104857600;  // offsets.topic.segment.bytes
  int threads = 1;                            // group.coordinator.threads
  std::function<int64_t()> clock;             // tests; default: system clock
};

class GroupCoordinator {
 public:
  GroupCoordinator(storage::LogManager& logs, const LocalLeadership& leadership, GroupCoordinatorOptions options);
  ~GroupCoordinator();

  // Creates __consumer_offsets if missing and loads the shards this node
  // leads. Throws std::runtime_error when the topic cannot be created.
  void start();
  void shutdown();

  int32_t partition_for(const std::string& group_id) const;
  // 0 when the group's shard is loaded here, else NOT_COORDINATOR or
  // COORDINATOR_LOAD_IN_PROGRESS (FindCoordinator, and every group API).
  int16_t status(const std::string& group_id) const;

  using Event = std::function<void(GroupCoordinatorShard* shard, int16_t error)>;
  // Runs `event` once: on the group's shard, or inline with the error.
  void run(const std::string& group_id, Event event);
  // Runs `event` on every shard (ListGroups), once each, with its error.
  void run_on_all(std::function<void(GroupCoordinatorShard* shard, int16_t error)> event);
  int32_t shard_count() const;

  CoordinatorRuntime& runtime() { return *runtime_; }

 private:
  storage::LogManager& logs_;
  const LocalLeadership& leadership_;
  GroupCoordinatorOptions options_;
  std::unique_ptr<CoordinatorRuntime> runtime_;
};

}  // namespace fjord::broker::coordinator
