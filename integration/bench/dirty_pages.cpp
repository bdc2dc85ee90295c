#include "dirty_pages.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "payload_stamp.h"

namespace fjord::bench {
namespace {

// Value of a "Name:   1234 kB" line, in bytes.
std::optional<std::uint64_t> field_bytes(std::string_view text, std::string_view name) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.size() <= name.size() || !line.starts_with(name) || line[name.size()] != ':') continue;
    std::size_t i = name.size() + 1;
    while (i < line.size() && line[i] == ' ') ++i;
    std::uint64_t value = 0;
    std::size_t digits = 0;
    for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && digits < 15; ++i, ++digits)
      value = value * 10 + static_cast<std::uint64_t>(line[i] - '0');
    if (digits == 0) return std::nullopt;
    const std::string_view unit = line.substr(i);
    if (unit == " kB") return value * 1024;
    if (unit.empty()) return value;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> parse_dirty_bytes(std::string_view meminfo) {
  const auto dirty = field_bytes(meminfo, "Dirty");
  const auto writeback = field_bytes(meminfo, "Writeback");
  if (!dirty || !writeback) return std::nullopt;
  return *dirty + *writeback;
}

std::optional<std::uint64_t> read_dirty_bytes() {
  std::ifstream in("/proc/meminfo");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return parse_dirty_bytes(text.str());
}

SettleOutcome wait_for_dirty_pages(std::uint64_t threshold_bytes, double timeout_s, const std::atomic<bool>& stop) {
  SettleOutcome out;
  const std::uint64_t begin = now_ns();
  const auto first = read_dirty_bytes();
  if (!first) return out;
  out.measured = true;
  out.before_bytes = out.after_bytes = *first;
  const auto limit_ns = static_cast<std::uint64_t>(timeout_s * 1e9);
  while (out.after_bytes >= threshold_bytes && !stop.load(std::memory_order_relaxed) &&
         now_ns() - begin < limit_ns) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto now = read_dirty_bytes();
    if (!now) break;
    out.after_bytes = *now;
  }
  out.settled = out.after_bytes < threshold_bytes;
  out.waited_s = static_cast<double>(now_ns() - begin) / 1e9;
  return out;
}

}  // namespace fjord::bench
