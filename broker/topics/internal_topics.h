#pragma once
// Kafka's internal topics: __consumer_offsets and __transaction_state.
#include <string_view>

namespace fjord::broker {

bool is_internal_topic(std::string_view name);

}  // namespace fjord::broker
