#include "send_pacer.h"

namespace fjord::bench {

SendPacer::SendPacer(std::uint64_t start_ns, double rate_per_s)
    : start_ns_(start_ns), interval_ns_(rate_per_s > 0 ? 1e9 / rate_per_s : 0) {}

std::uint64_t SendPacer::wake_time(std::uint64_t seq, std::uint64_t now_ns) const {
  if (interval_ns_ <= 0) return 0;
  const auto offset = static_cast<std::uint64_t>(static_cast<double>(seq) * interval_ns_);
  const std::uint64_t due = start_ns_ + offset;
  if (now_ns >= due) return 0;
  if (interval_ns_ >= static_cast<double>(kSliceNs)) return due;
  // Round up to the next slice boundary: everything due by then goes in one burst.
  return start_ns_ + (offset + kSliceNs - 1) / kSliceNs * kSliceNs;
}

}  // namespace fjord::bench
