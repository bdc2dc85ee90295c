#pragma once
// The BROKER_LOGGER resource of DescribeConfigs/IncrementalAlterConfigs
// (KIP-412): spdlog loggers by name, "root" being the default logger, with
// log4j level names. Changes last until the broker restarts, as in Kafka.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fjord::broker {

inline constexpr const char* kRootLogger = "root";
inline constexpr const char* kLoggerLevels = "ALL, DEBUG, ERROR, FATAL, INFO, OFF, TRACE, WARN";

// {name, level} for every logger, root first.
std::vector<std::pair<std::string, std::string>> broker_loggers();
bool logger_exists(const std::string& name);
bool valid_logger_level(const std::string& level);
void set_logger_level(const std::string& name, const std::string& level);
// Back to the root logger's level (Kafka's DELETE).
void reset_logger_level(const std::string& name);

}  // namespace fjord::broker
