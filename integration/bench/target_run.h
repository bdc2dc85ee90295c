#pragma once
// One benchmark configuration measured against one broker address.

#include <atomic>
#include <cstdint>
#include <string>

#include "bench_options.h"
#include "latency_consumer.h"
#include "producer_pool.h"

namespace fjord::bench {

struct TargetResult {
  std::string name;
  std::string brokers;
  std::string error;           // empty when the run held: no failures, nothing lost
  ProduceOutcome produce;
  ConsumeOutcome consume;
  std::uint64_t expected = 0;  // records the consumer had to see
  std::uint64_t lost = 0;
  double records_per_s = 0;    // headline: produce rate (produce mode) or read rate (consume mode)
  double mb_per_s = 0;         // value bytes, 10^6 bytes per MB
  double consume_seconds = 0;
  bool ok() const { return error.empty(); }
};

TargetResult run_target(const BenchOptions& options, const std::string& name, const std::string& brokers,
                        const std::atomic<bool>& stop);

}  // namespace fjord::bench
