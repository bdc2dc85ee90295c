#include "broker/topics/internal_topics.h"

namespace fjord::broker {

bool is_internal_topic(std::string_view name) {
  return name == kConsumerOffsetsTopic || name == kTransactionStateTopic;
}

}  // namespace fjord::broker
