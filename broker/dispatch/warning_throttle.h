#pragma once
// One warning per key per period, counting the rest: a client retrying a
// refused request in a loop (kafka-python and sarama send hundreds of
// JoinGroups a minute to a broker without them) costs one log line a minute
// per key instead of one per request. Thread-safe: the network threads share
// the dispatcher. Only refused requests come here, never the hot path.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace fjord::broker {

class WarningThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WarningThrottle(Clock::duration period = std::chrono::minutes(1)) : period_(period) {}

  // Whether this occurrence of `key` is logged: the number of occurrences
  // suppressed since the key was last logged, or nullopt to stay quiet.
  std::optional<uint64_t> admit(int32_t key, Clock::time_point now);

  Clock::duration period() const { return period_; }

 private:
  struct Entry {
    Clock::time_point logged_at;
    uint64_t suppressed = 0;
  };
  const Clock::duration period_;
  std::mutex mu_;
  std::unordered_map<int32_t, Entry> entries_;  // at most one per int16 api key
};

}  // namespace fjord::broker
