#pragma once
// Kafka's topic-name rules (Topic.validate); internal topics: internal_topics.h.
#include <string>
#include <string_view>

namespace fjord::broker {

inline constexpr size_t kMaxTopicNameLength = 249;

// Kafka's reason a name is illegal (InvalidTopicException's message), or "".
inline std::string topic_name_error(std::string_view name) {
  if (name.empty()) return "Topic name is illegal, it can't be empty";
  if (name == "." || name == "..") return "Topic name cannot be \".\" or \"..\"";
  if (name.size() > kMaxTopicNameLength)
    return "Topic name is illegal, it can't be longer than 249 characters, Topic name: " + std::string(name);
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok)
      return "Topic name \"" + std::string(name) +
             "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
  }
  return "";
}

inline bool is_valid_topic_name(std::string_view name) { return topic_name_error(name).empty(); }

}  // namespace fjord::broker
