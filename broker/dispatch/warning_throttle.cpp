#include "broker/dispatch/warning_throttle.h"

namespace fjord::broker {

std::optional<uint64_t> WarningThrottle::admit(int32_t key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto [it, first] = entries_.try_emplace(key, Entry{now, 0});
  if (first) return 0;
  Entry& e = it->second;
  if (now - e.logged_at < period_) {
    ++e.suppressed;
    return std::nullopt;
  }
  uint64_t suppressed = e.suppressed;
  e = Entry{now, 0};
  return suppressed;
}

}  // namespace fjord::broker
