#pragma once
// One benchmark configuration measured against one broker address.
//
// Produce mode runs two phases on the same topic:
//  - throughput: producers flat out, no consumer; the log must grow by
//    exactly the acknowledged count (checked with ListOffsets).
//  - latency: producers at a paced rate, consumers read every record back
//    and measure produce-call-to-receipt latency.
// With --rate-fraction the throughput phase runs first, then (once the
// machine's dirty page cache settled) the latency phase at that fraction of
// the measured throughput. Otherwise latency runs first at the fixed --rate.
// Consume mode fills the topic, then reads the fill back from its start.

#include <atomic>
#include <cstdint>
#include <string>

#include "bench_options.h"
#include "cpu_usage.h"
#include "dirty_pages.h"
#include "latency_consumer.h"
#include "producer_pool.h"

namespace fjord::bench {

struct TargetResult {
  std::string name;
  std::string brokers;
  int pid = 0;                   // the broker's process, for its CPU figures (0: unknown)
  std::string error;             // empty when the run held: no failures, nothing lost
  std::string note;              // a figure the reference could not give, and why
  bool is_reference = false;

  ProduceOutcome bulk;           // throughput phase, or the fill in consume mode
  CpuShare bulk_cpu;             // measured part of the throughput phase
  CpuShare latency_cpu;          // measured part of the latency phase
  std::uint64_t log_growth = 0;  // end-offset growth over the bulk phase
  double growth_settle_ms = 0;   // until ListOffsets showed every acknowledged record
  double produce_records_per_s = 0;
  double produce_mb_per_s = 0;   // value bytes, 10^6 bytes per MB

  double latency_rate = 0;       // records/s requested in the latency phase
  double latency_rate_achieved = 0;  // records sent / time spent sending
  int latency_linger_ms = 0;
  SettleOutcome settle;          // dirty page wait before the latency phase (rate-fraction mode)
  ProduceOutcome latency_produce;
  ConsumeOutcome consume;        // latency phase, or the read-back in consume mode
  std::uint64_t expected = 0;    // records the consumer had to see
  std::uint64_t lost = 0;
  double consume_seconds = 0;
  double consume_records_per_s = 0;
  double consume_mb_per_s = 0;

  bool ok() const { return error.empty(); }
  // Headline throughput of the mode: produce rate, or read rate in consume mode.
  double records_per_s(BenchMode mode) const {
    return mode == BenchMode::kProduce ? produce_records_per_s : consume_records_per_s;
  }
  double mb_per_s(BenchMode mode) const { return mode == BenchMode::kProduce ? produce_mb_per_s : consume_mb_per_s; }
};

// `pid`: the broker's process (0: unknown), for its share of the CPU.
TargetResult run_target(const BenchOptions& options, const std::string& name, const std::string& brokers, int pid,
                        bool is_reference, const std::atomic<bool>& stop);

}  // namespace fjord::bench
