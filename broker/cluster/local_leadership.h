#pragma once
// Which partitions this node leads. fjord runs as a single node, so it leads
// every partition of every topic; this is the one place that says so. The
// coordinators ask it which of their internal topic's partitions (shards) to
// load, so that when partitions move between brokers they follow.
#include <cstdint>
#include <string_view>
#include <vector>

namespace fjord::broker {

class LocalLeadership {
 public:
  virtual ~LocalLeadership() = default;
  virtual bool leads(std::string_view topic, int32_t partition) const {
    (void)topic;
    (void)partition;
    return true;
  }
  // The partitions of `topic` (of `count`) this node leads, ascending.
  std::vector<int32_t> led_partitions(std::string_view topic, int32_t count) const {
    std::vector<int32_t> out;
    for (int32_t p = 0; p < count; ++p)
      if (leads(topic, p)) out.push_back(p);
    return out;
  }
};

}  // namespace fjord::broker
