#pragma once
// Topic preparation against a broker: make sure the topic exists with the
// wanted partition count, and read per-partition end offsets.

#include <cstdint>
#include <string>
#include <vector>

namespace fjord::bench {

// Creates `topic` (replication factor 1) if it does not exist and waits until
// every partition has a leader. Returns an error message, empty on success.
std::string ensure_topic(const std::string& brokers, const std::string& topic, int partitions);

// Latest offset of each partition 0..partitions-1 (one ListOffsets round per
// leader). Returns an error message, empty on success.
std::string end_offsets(const std::string& brokers, const std::string& topic, int partitions,
                        std::vector<std::int64_t>& out);

}  // namespace fjord::bench
