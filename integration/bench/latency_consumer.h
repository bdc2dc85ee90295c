#pragma once
// One librdkafka consumer using assign() (no consumer group) that reads
// stamped records from given offsets and records end-to-end latency.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "latency_histogram.h"

namespace fjord::bench {

struct ConsumeOutcome {
  std::uint64_t consumed = 0;   // this run's records
  std::uint64_t bytes = 0;      // value bytes of those records
  std::uint64_t foreign = 0;    // records without this run's stamp
  std::uint64_t errors = 0;     // consumer error events
  std::uint64_t assigned_ns = 0;
  std::uint64_t last_ns = 0;    // receipt of the last counted record
  LatencyHistogram e2e_latency; // produce call to consumer receipt
  std::string first_error;
};

struct ConsumeControl {
  // Stop once this many of the run's records arrived (UINT64_MAX: not known yet).
  std::atomic<std::uint64_t> expected{UINT64_MAX};
  // Stop at this steady-clock time even if records are missing (0: no deadline yet).
  std::atomic<std::uint64_t> deadline_ns{0};
  std::atomic<bool> ready{false};  // set once the assignment is in place
};

ConsumeOutcome consume_records(const std::string& brokers, const std::string& topic,
                               const std::vector<std::int64_t>& start_offsets, int fetch_wait_ms, std::uint64_t run_nonce,
                               ConsumeControl& control, const std::atomic<bool>& stop);

}  // namespace fjord::bench
