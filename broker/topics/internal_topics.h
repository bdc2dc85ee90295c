#pragma once
// Kafka's internal topics (Topic.INTERNAL_TOPICS): written only by the
// broker's coordinators, never by clients, and never deleted.
#include <string_view>

namespace fjord::broker {

inline constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";
inline constexpr std::string_view kTransactionStateTopic = "__transaction_state";

bool is_internal_topic(std::string_view name);

}  // namespace fjord::broker
