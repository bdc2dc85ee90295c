#pragma once
// N librdkafka producers, one thread and one connection set each, writing
// stamped records flat out or at a paced total rate, for a bounded time or
// record count.

#include <atomic>
#include <cstdint>
#include <string>

#include "bench_options.h"
#include "latency_histogram.h"

namespace fjord::bench {

struct ProduceOutcome {
  std::uint64_t sent = 0;       // accepted by rd_kafka_produce
  std::uint64_t acked = 0;      // delivery reports without error
  std::uint64_t failed = 0;     // delivery reports with error, or refused sends
  std::uint64_t unflushed = 0;  // still queued when the flush timed out
  double seconds = 0;           // first send to last delivery report
  // After the plan's warm-up: acknowledgements, and the time from the
  // warm-up's end to the last delivery report (equal to acked and seconds
  // without one).
  std::uint64_t measured_acked = 0;
  double measured_seconds = 0;
  double send_seconds = 0;      // first send to the last producer's last send
  std::uint64_t sleeps = 0;     // pacing sleeps, all producers (to check pacing does not spin)
  LatencyHistogram ack_latency; // produce call to delivery report, records sent after the warm-up
  LatencyHistogram commit_latency;  // --transaction-records: commit_transaction calls after the warm-up
  std::uint64_t transactions = 0;   // committed transactions, warm-up included
  std::string first_error;
};

// How long and how fast one phase produces.
struct ProducePlan {
  double duration_s = 0;      // 0 = no time bound
  std::uint64_t records = 0;  // 0 = no count bound
  double rate = 0;            // total records/s; 0 = flat out
  bool round_robin = false;   // spread records evenly instead of librdkafka's sticky partitioner
  int linger_ms = 5;          // producer linger.ms
  // Runs this much longer; what is acknowledged before it ends is not
  // measured (a fresh broker's, or mock's, first touches of memory).
  double warmup_s = 0;
};

// The two phases' plans (target_run.h). A time-bounded phase runs
// --warmup seconds longer and measures neither throughput nor ack latency
// over them, as the consumers' e2e figure leaves them out.
inline ProducePlan throughput_plan(const BenchOptions& o) {
  return ProducePlan{o.duration_s, o.records, 0, false, o.linger_ms, o.records == 0 ? o.warmup_s : 0};
}
inline ProducePlan latency_plan(const BenchOptions& o, double rate, int linger_ms) {
  return ProducePlan{o.latency_duration_s, 0, rate, false, linger_ms, o.warmup_s};
}

// Runs the producers to completion. `stop` ends the run early (signal).
ProduceOutcome run_producers(const BenchOptions& options, const ProducePlan& plan, const std::string& brokers,
                             std::uint64_t run_nonce, const std::atomic<bool>& stop);

}  // namespace fjord::bench
