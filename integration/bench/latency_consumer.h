#pragma once
// librdkafka consumers using assign() (no consumer group) that read stamped
// records from given offsets and record end-to-end latency. One consumer
// instance (its own thread and connections) handles a share of the
// partitions, so a fast phase is not capped by one client's fetch thread.

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
  std::uint64_t out_of_range = 0;  // of which OFFSET_OUT_OF_RANGE: the broker no longer has the records
  std::uint64_t assigned_ns = 0;  // earliest assignment of any instance
  std::uint64_t last_ns = 0;    // receipt of the last counted record
  int instances = 0;            // consumer instances that ran
  LatencyHistogram e2e_latency; // produce call to consumer receipt
  std::string first_error;

  void merge(const ConsumeOutcome& other);
};

struct ConsumeControl {
  // Stop once this many of the run's records arrived over all instances
  // (UINT64_MAX: not known yet).
  std::atomic<std::uint64_t> expected{UINT64_MAX};
  // Stop at this steady-clock time even if records are missing (0: no deadline yet).
  std::atomic<std::uint64_t> deadline_ns{0};
  std::atomic<std::uint64_t> consumed{0};  // over all instances
  std::atomic<int> ready{0};               // instances whose assignment is in place (or that gave up)
  // Set by an instance that hit OFFSET_OUT_OF_RANGE: with auto.offset.reset=error
  // that partition stops, so the expected count can never be reached.
  std::atomic<bool> abandon{false};
  // Records sent before this steady-clock time are read but not counted in
  // the latency histogram (the warm-up).
  std::atomic<std::uint64_t> measure_from_ns{0};
  std::uint64_t stall_report_ns = 0;  // set before consume_records; see BenchOptions::stall_report_ms
};

// Partition p is read by instance p % instances, from start_offsets[p].
// `instances` is clamped to [1, partitions]. Returns when every instance
// stopped; control.ready reaches the clamped count once all are assigned.
ConsumeOutcome consume_records(const std::string& brokers, const std::string& topic,
                               const std::vector<std::int64_t>& start_offsets, int instances, int fetch_wait_ms,
                               std::uint64_t run_nonce, ConsumeControl& control, const std::atomic<bool>& stop);

// The instance count consume_records will actually use.
int consumer_instances(int requested, std::size_t partitions);

}  // namespace fjord::bench
