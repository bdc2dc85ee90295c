#pragma once
// When a rate-limited producer may send its next record. Above 1000
// records/s per producer it sends in bursts once per millisecond instead of
// sleeping before every record: a sleep costs a syscall and ~50 us of timer
// slack, so one per record would cap the rate and burn the CPU the broker
// and consumer need. Records are stamped when actually sent, so a burst does
// not distort the measured latency.

#include <cstdint>

namespace fjord::bench {

class SendPacer {
 public:
  static constexpr std::uint64_t kSliceNs = 1000000;

  // rate_per_s <= 0: no pacing (flat out).
  SendPacer(std::uint64_t start_ns, double rate_per_s);

  // 0 when record `seq` may go at `now_ns`; otherwise the steady-clock time
  // to wake up at (a slice boundary when records are closer than a slice).
  std::uint64_t wake_time(std::uint64_t seq, std::uint64_t now_ns) const;

 private:
  std::uint64_t start_ns_;
  double interval_ns_;  // 0 = flat out
};

}  // namespace fjord::bench
