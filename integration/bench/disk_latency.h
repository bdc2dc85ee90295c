#pragma once
// How long the disk takes to answer the writes fjord's acks wait for: in
// page-cache mode an O_DIRECT write of a partition's tail, in durable mode
// that write plus fdatasync. One thread writes a fixed-size block at a time,
// sequentially, into a fresh file whose length is raised ahead as fjord
// raises its segments', and records each call's time. A p99 target for
// acknowledged records cannot be met while the device itself spends more
// than 1% of the time in calls slower than that target.

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
  std::uint64_t slow_calls = 0;
  double slow_share() const { return seconds > 0 ? slow_seconds / seconds : 0; }
};

// Runs the probe; on failure returns false with `error` naming the call.
bool measure_disk_latency(const DiskLatencyOptions& options, DiskLatency* out, std::string* error);

}  // namespace fjord::bench
