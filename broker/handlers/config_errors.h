#pragma once
// ConfigManager outcomes as Kafka error codes and messages.
#include <optional>
#include <string>

#include "broker/config/config_manager.h"
#include "broker/handlers/error_codes.h"

namespace fjord::broker {

inline int16_t error_code_of(const ConfigOutcome& o) {
  switch (o.error) {
    case ConfigOutcome::Error::none: return kafka_error::kNone;
    case ConfigOutcome::Error::invalid_request: return kafka_error::kInvalidRequest;
    case ConfigOutcome::Error::invalid_config: return kafka_error::kInvalidConfig;
    case ConfigOutcome::Error::unknown_topic: return kafka_error::kUnknownTopicOrPartition;
    case ConfigOutcome::Error::invalid_topic: return kafka_error::kInvalidTopic;
  }
  return kafka_error::kUnknownServerError;
}

// Kafka sends null for "no message".
inline std::optional<std::string> error_message_of(const ConfigOutcome& o) {
  if (o.message.empty()) return std::nullopt;
  return o.message;
}

}  // namespace fjord::broker
