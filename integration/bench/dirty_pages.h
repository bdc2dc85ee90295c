#pragma once
// The machine's not-yet-written page cache (Dirty + Writeback in
// /proc/meminfo). The bench waits for it to drain between the throughput
// and latency phases, so the latency phase does not measure the writeback
// of gigabytes the throughput phase left behind.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

namespace fjord::bench {

// Dirty + Writeback in bytes from /proc/meminfo text; nullopt when either
// line is missing or malformed.
std::optional<std::uint64_t> parse_dirty_bytes(std::string_view meminfo);

// Reads /proc/meminfo; nullopt when it cannot be read or parsed.
std::optional<std::uint64_t> read_dirty_bytes();

struct SettleOutcome {
  bool measured = false;          // /proc/meminfo was readable
  bool settled = false;           // dropped below the threshold before the timeout
  std::uint64_t before_bytes = 0;
  std::uint64_t after_bytes = 0;
  double waited_s = 0;
};

// Polls every 100 ms until Dirty + Writeback < threshold_bytes or timeout_s
// passed (or `stop` is set). Never forces writeback itself: other work on
// the machine owns its dirty pages.
SettleOutcome wait_for_dirty_pages(std::uint64_t threshold_bytes, double timeout_s, const std::atomic<bool>& stop);

}  // namespace fjord::bench
