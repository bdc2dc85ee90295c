#include "broker/topics/internal_topics.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace fjord::broker {

bool is_internal_topic(std::string_view name) {
  return name == kConsumerOffsetsTopic || name == kTransactionStateTopic;
}

storage::TopicInfo ensure_internal_topic(storage::LogManager& logs, std::string_view topic_name, int32_t partitions,
                                         const std::map<std::string, std::string>& overrides) {
  const std::string topic(topic_name);
  if (auto info = logs.topic(topic)) return *info;
  storage::TopicInfo created;
  std::string message;
  auto e = logs.create_topic(topic, partitions, overrides, &created, &message);
  if (e != storage::Errc::ok && e != storage::Errc::topic_exists)
    throw std::runtime_error("cannot create " + topic + ": " + storage::to_string(e) + " " + message);
  auto info = logs.topic(topic);
  if (!info) throw std::runtime_error("cannot create " + topic);
  spdlog::info("created {} with {} partitions", topic, info->partitions);
  return *info;
}

}  // namespace fjord::broker
