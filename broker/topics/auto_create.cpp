#include "broker/topics/auto_create.h"

#include <spdlog/spdlog.h>

#include "broker/topics/topic_names.h"

namespace fjord::broker {

storage::Errc auto_create_topic(BrokerContext& ctx, const std::string& name) {
  if (!ctx.config.auto_create_topics_enable) return storage::Errc::unknown_topic;
  if (!is_valid_topic_name(name)) return storage::Errc::invalid_topic;
  storage::TopicInfo info;
  std::string message;
  auto e = ctx.logs.create_topic(name, ctx.config.num_partitions, {}, &info, &message);
  if (e == storage::Errc::topic_exists) return storage::Errc::ok;
  if (e != storage::Errc::ok) {
    spdlog::warn("auto-creating topic '{}' failed: {} {}", name, storage::to_string(e), message);
    return e;
  }
  spdlog::info("auto-created topic '{}' with {} partitions", name, info.partitions);
  return e;
}

}  // namespace fjord::broker
