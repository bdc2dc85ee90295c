#include "broker/coordinator/group_coordinator.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "broker/coordinator/group_partitioner.h"
#include "broker/topics/internal_topics.h"

namespace fjord::broker::coordinator {

GroupCoordinator::GroupCoordinator(storage::LogManager& logs, const LocalLeadership& leadership,
                                   GroupCoordinatorOptions options)
    : logs_(logs), leadership_(leadership), options_(std::move(options)) {}

GroupCoordinator::~GroupCoordinator() { shutdown(); }

void GroupCoordinator::start() {
  const std::string topic(kConsumerOffsetsTopic);
  // Kafka's offsetsTopicConfigs: compacted, its own segment size, batches kept as written.
  const auto info = ensure_internal_topic(logs_, topic, options_.offsets_topic_partitions,
                                          {{"cleanup.policy", "compact"},
                                           {"segment.bytes", std::to_string(options_.offsets_topic_segment_bytes)},
                                           {"compression.type", "producer"}});
  CoordinatorRuntime::Options ro;
  ro.name = "group";
  ro.topic = topic;
  ro.partitions = info.partitions;
  ro.threads = options_.threads;
  ro.clock = options_.clock;
  const GroupConfig config = options_.group;
  runtime_ = std::make_unique<CoordinatorRuntime>(
      logs_, leadership_, ro, [config](ShardServices& services, int32_t) {
        return std::make_unique<GroupCoordinatorShard>(services, config);
      });
  runtime_->start();
}

void GroupCoordinator::shutdown() {
  if (runtime_) runtime_->shutdown();
}

int32_t GroupCoordinator::shard_count() const { return runtime_ ? runtime_->partitions() : 0; }

int32_t GroupCoordinator::partition_for(const std::string& group_id) const {
  return partition_for_group(group_id, shard_count() > 0 ? shard_count() : options_.offsets_topic_partitions);
}

int16_t GroupCoordinator::status(const std::string& group_id) const {
  if (!runtime_) return 16;  // NOT_COORDINATOR
  return runtime_->status(partition_for(group_id));
}

void GroupCoordinator::run(const std::string& group_id, Event event) {
  if (!runtime_) return event(nullptr, 16);
  runtime_->submit(partition_for(group_id), [event = std::move(event)](CoordinatorShard* s, int16_t error) {
    event(static_cast<GroupCoordinatorShard*>(s), error);
  });
}

void GroupCoordinator::run_on_all(std::function<void(GroupCoordinatorShard*, int16_t)> event) {
  for (int32_t p = 0; p < shard_count(); ++p) {
    runtime_->submit(p, [event](CoordinatorShard* s, int16_t error) {
      event(static_cast<GroupCoordinatorShard*>(s), error);
    });
  }
}

}  // namespace fjord::broker::coordinator
