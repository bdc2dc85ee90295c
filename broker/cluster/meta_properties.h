#pragma once
// meta.properties in each log dir, as Kafka writes it: the cluster id is
// generated once and then read back on every start so clients see a stable
// cluster; a log dir that belongs to another node or cluster is refused.
#include <cstdint>
#include <string>
#include <vector>

namespace fjord::broker {

// Returns the cluster id, creating meta.properties where missing. Throws
// std::runtime_error (start-up only) on conflicting ids or I/O failure.
std::string load_or_create_cluster_id(const std::vector<std::string>& log_dirs, int32_t node_id);

}  // namespace fjord::broker
