#pragma once
// How long the disk takes to answer the writes fjord's acks wait for: in
// page-cache mode an O_DIRECT write of a partition's tail, in durable mode
// that write plus fdatasync. One thread writes a fixed-size block at a time,
// sequentially, into a fresh file whose length is raised ahead as fjord
// raises its segments', and records each call's time. A write handed to
// the device while a call is in flight waits at least for the rest of that
// call: where a call takes d > 5 ms, a write arriving in its first d - 5 ms
// waits over 5 ms. If those stretches add up to more than 1% of the time, no
// ack that waits for this device can keep a p99 under 5 ms.

#include <cstdint>
#include <string>

#include "latency_histogram.h"

namespace fjord::bench {

struct DiskLatencyOptions {
  std::string dir;                   // where the scratch file goes (unlinked at once)
  double duration_s = 3;
  std::uint32_t block_bytes = 16384;  // a multiple of 4096
  bool sync = false;                 // fdatasync after every write
  double slow_ms = 5;                // calls over this count as stall time
};

struct DiskLatency {
  bool direct = false;  // false: O_DIRECT was refused (e.g. tmpfs), buffered writes
  LatencyHistogram calls;  // one sample per write (+ fdatasync)
  double seconds = 0;
  double slow_seconds = 0;  // summed time of the calls over slow_ms
  double late_seconds = 0;  // summed (d - slow_ms) of those calls
  std::uint64_t slow_calls = 0;
  double slow_share() const { return seconds > 0 ? slow_seconds / seconds : 0; }
  // Share of the time at which a write arriving would wait over slow_ms for
  // the call in flight: a floor for the share of acks slower than slow_ms.
  double late_share() const { return seconds > 0 ? late_seconds / seconds : 0; }
};

// Runs the probe; on failure returns false with `error` naming the call.
bool measure_disk_latency(const DiskLatencyOptions& options, DiskLatency* out, std::string* error);

}  // namespace fjord::bench
