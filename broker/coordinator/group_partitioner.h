#pragma once
// Which __consumer_offsets partition holds a group, exactly as Kafka picks
// it: Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions, where
// hashCode is Java's String.hashCode over the UTF-16 code units.
#include <cstdint>
#include <string_view>

namespace fjord::broker::coordinator {

// Java's String.hashCode of the string whose UTF-8 bytes are `utf8`
// (malformed bytes count as U+FFFD, as Java's decoder replaces them).
int32_t java_string_hash(std::string_view utf8);

// Kafka's Utils.abs: 0 for INT32_MIN, else |n|.
inline int32_t kafka_abs(int32_t n) { return n == INT32_MIN ? 0 : (n < 0 ? -n : n); }

inline int32_t partition_for_group(std::string_view group_id, int32_t partitions) {
  return kafka_abs(java_string_hash(group_id)) % partitions;
}

}  // namespace fjord::broker::coordinator
