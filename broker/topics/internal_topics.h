#pragma once
// Kafka's internal topics (Topic.INTERNAL_TOPICS): written only by the
// broker's coordinators, never by clients, and never deleted.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "storage/log/log_manager.h"

namespace fjord::broker {

inline constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";
inline constexpr std::string_view kTransactionStateTopic = "__transaction_state";

bool is_internal_topic(std::string_view name);

// A coordinator's topic at start-up: created with `partitions` and `overrides`
// when missing. An existing topic keeps its partition count, since keys map to
// partitions by it. Throws when the topic cannot be created.
storage::TopicInfo ensure_internal_topic(storage::LogManager& logs, std::string_view topic, int32_t partitions,
                                         const std::map<std::string, std::string>& overrides);

}  // namespace fjord::broker
