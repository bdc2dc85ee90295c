#include "broker/topics/internal_topics.h"

namespace fjord::broker {

bool is_internal_topic(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

}  // namespace fjord::broker
