#include "target_run.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "payload_stamp.h"
#include "topic_setup.h"

namespace fjord::bench {
namespace {

std::uint64_t fresh_nonce() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd() ^ now_ns();
}

void add_error(TargetResult& r, const std::string& what) {
  if (!r.error.empty()) r.error += "; ";
  r.error += what;
}

void add_produce_errors(TargetResult& r, const ProduceOutcome& p, const char* phase) {
  if (!p.first_error.empty())
    add_error(r, std::string(phase) + ": " + p.first_error + " (" + std::to_string(p.failed) + " failed)");
}

// Sum of end-offset growth since `start`; false (error noted) on failure.
// A broker may expose acknowledged records a little later than it acks them
// (e.g. the high watermark follows a background flush), so the count is
// polled for up to kGrowthSettleMs; how long it took is reported.
bool measure_growth(const BenchOptions& o, TargetResult& r, const std::vector<std::int64_t>& start,
                    std::vector<std::int64_t>& end) {
  constexpr std::uint64_t kGrowthSettleMs = 5000;
  const std::uint64_t begin = now_ns();
  while (true) {
    if (std::string err = end_offsets(r.brokers, o.topic, o.partitions, end); !err.empty()) {
      add_error(r, err);
      return false;
    }
    r.log_growth = 0;
    for (std::size_t p = 0; p < end.size(); ++p) r.log_growth += static_cast<std::uint64_t>(end[p] - start[p]);
    r.growth_settle_ms = static_cast<double>(now_ns() - begin) / 1e6;
    // acks=0 gets no acknowledgement to compare against.
    if (o.acks == "0" || r.log_growth >= r.bulk.acked) break;
    if (now_ns() - begin > kGrowthSettleMs * 1000000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Each committed transaction adds a marker to every partition it wrote.
  const std::uint64_t markers = r.bulk.transactions * static_cast<std::uint64_t>(o.partitions);
  if (o.acks != "0" && (r.log_growth < r.bulk.acked || r.log_growth > r.bulk.acked + markers))
    add_error(r, "log grew by " + std::to_string(r.log_growth) + " records but " +
                     std::to_string(r.bulk.acked) + " were acknowledged (after " +
                     std::to_string(kGrowthSettleMs / 1000) + " s)");
  return true;
}

void finish_consume(TargetResult& r) {
  if (r.consume.last_ns > r.consume.assigned_ns) {
    r.consume_seconds = static_cast<double>(r.consume.last_ns - r.consume.assigned_ns) / 1e9;
    r.consume_records_per_s = static_cast<double>(r.consume.consumed) / r.consume_seconds;
    r.consume_mb_per_s = static_cast<double>(r.consume.bytes) / r.consume_seconds / 1e6;
  }
  r.lost = r.expected > r.consume.consumed ? r.expected - r.consume.consumed : 0;
  if (r.is_reference && r.consume.out_of_range > 0) {
    // The mock keeps ~5 MB per partition and parks an empty fetch for the
    // whole fetch.wait.max.ms, so at high rates it drops records before the
    // consumer gets to them: a limit of the reference, not a lost record.
    r.note = "no reading figures: the mock dropped " + std::to_string(r.lost) +
             " records before the consumer reached them (it keeps ~5 MB per partition)";
    r.consume.e2e_latency = LatencyHistogram{};  // a partial sample would mislead
    r.consume_seconds = r.consume_records_per_s = r.consume_mb_per_s = 0;
    if (r.consume.foreign > 0) add_error(r, std::to_string(r.consume.foreign) + " records without this run's stamp");
    return;
  }
  if (r.consume.errors > 0)
    add_error(r, r.consume.first_error + " (" + std::to_string(r.consume.errors) + " consumer errors)");
  if (r.lost > 0) add_error(r, std::to_string(r.lost) + " records never reached the consumer");
  if (r.consume.foreign > 0) add_error(r, std::to_string(r.consume.foreign) + " records without this run's stamp");
}

// The CPU spent from `from_ns` (the end of a phase's warm-up) until finish().
class CpuWindow {
 public:
  CpuWindow(std::uint64_t from_ns, int pid, const std::atomic<bool>& stop)
      : pid_(pid), sampler_([this, from_ns, &stop] {
          while (now_ns() < from_ns && !stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
          from_ = sample_cpu(pid_);
        }) {}
  CpuShare finish() {
    sampler_.join();
    return cpu_share(from_, sample_cpu(pid_));
  }

 private:
  const int pid_;
  CpuSample from_;
  std::thread sampler_;
};

void throughput_phase(const BenchOptions& o, TargetResult& r, std::vector<std::int64_t>& offsets,
                      const std::atomic<bool>& stop) {
  const ProducePlan plan = throughput_plan(o);
  CpuWindow cpu(now_ns() + static_cast<std::uint64_t>(plan.warmup_s * 1e9), r.pid, stop);
  r.bulk = run_producers(o, plan, r.brokers, fresh_nonce(), stop);
  r.bulk_cpu = cpu.finish();
  add_produce_errors(r, r.bulk, "throughput phase");
  if (r.bulk.acked == 0 && !stop.load()) add_error(r, "throughput phase: no record was acknowledged");
  if (r.bulk.measured_seconds > 0) {
    r.produce_records_per_s = static_cast<double>(r.bulk.measured_acked) / r.bulk.measured_seconds;
    r.produce_mb_per_s = r.produce_records_per_s * static_cast<double>(o.record_size) / 1e6;
  }
  std::vector<std::int64_t> end;
  if (measure_growth(o, r, offsets, end)) offsets = end;
}

void latency_phase(const BenchOptions& o, TargetResult& r, const std::vector<std::int64_t>& start,
                   const std::atomic<bool>& stop) {
  r.latency_linger_ms = latency_linger(o);
  const std::uint64_t nonce = fresh_nonce();
  ConsumeControl control;
  control.stall_report_ns = o.stall_report_ms * 1'000'000;
  const int consumers = consumer_instances(o.consumers, start.size());
  std::thread consumer([&] {
    r.consume = consume_records(r.brokers, o.topic, start, consumers, o.fetch_wait_ms, nonce, control, stop);
  });
  while (control.ready.load() < consumers) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const ProducePlan plan = latency_plan(o, r.latency_rate, r.latency_linger_ms);
  control.measure_from_ns = now_ns() + static_cast<std::uint64_t>(plan.warmup_s * 1e9);
  CpuWindow cpu(control.measure_from_ns, r.pid, stop);
  r.latency_produce = run_producers(o, plan, r.brokers, nonce, stop);
  r.latency_cpu = cpu.finish();
  if (r.latency_produce.send_seconds > 0)
    r.latency_rate_achieved = static_cast<double>(r.latency_produce.sent) / r.latency_produce.send_seconds;
  add_produce_errors(r, r.latency_produce, "latency phase");
  if (r.latency_produce.acked == 0 && !stop.load()) add_error(r, "latency phase: no record was acknowledged");
  r.expected = r.latency_produce.acked;
  control.expected = r.expected;
  control.deadline_ns = now_ns() + static_cast<std::uint64_t>(o.drain_timeout_s * 1e9);
  consumer.join();
  finish_consume(r);
}

void consume_mode(const BenchOptions& o, TargetResult& r, const std::vector<std::int64_t>& start,
                  const std::atomic<bool>& stop) {
  const std::uint64_t records = r.is_reference && o.reference_records > 0 ? o.reference_records : o.records;
  const ProducePlan plan{o.duration_s, records, 0, true, o.linger_ms};
  const std::uint64_t nonce = fresh_nonce();
  r.bulk = run_producers(o, plan, r.brokers, nonce, stop);
  add_produce_errors(r, r.bulk, "fill");
  if (r.bulk.acked == 0 && !stop.load()) add_error(r, "fill: no record was acknowledged");
  if (r.bulk.seconds > 0) {
    r.produce_records_per_s = static_cast<double>(r.bulk.acked) / r.bulk.seconds;
    r.produce_mb_per_s = r.produce_records_per_s * static_cast<double>(o.record_size) / 1e6;
  }
  std::vector<std::int64_t> end;
  if (!measure_growth(o, r, start, end)) return;
  r.expected = r.log_growth;
  ConsumeControl control;
  control.expected = r.expected;
  const double budget_s = std::max(o.drain_timeout_s, 10 * r.bulk.seconds);
  control.deadline_ns = now_ns() + static_cast<std::uint64_t>(budget_s * 1e9);
  r.consume = consume_records(r.brokers, o.topic, start, o.consumers, o.fetch_wait_ms, nonce, control, stop);
  finish_consume(r);
}

bool wants_throughput(const BenchOptions& o) { return o.duration_s > 0 || o.records > 0; }

// Fixed --rate: latency first, on a quiet broker, then flat out.
void fixed_rate_phases(const BenchOptions& o, TargetResult& r, std::vector<std::int64_t>& offsets,
                       const std::atomic<bool>& stop) {
  if (o.latency_duration_s > 0) {
    r.latency_rate = o.rate;
    latency_phase(o, r, offsets, stop);
  }
  if (!wants_throughput(o) || !r.ok() || stop.load()) return;
  if (std::string err = end_offsets(r.brokers, o.topic, o.partitions, offsets); !err.empty())
    add_error(r, err);
  else
    throughput_phase(o, r, offsets, stop);
}

// --rate-fraction: flat out first, then latency at a fraction of that load,
// after the throughput phase's writeback has drained (otherwise every fsync
// of the latency phase would queue behind gigabytes of it).
void fractional_rate_phases(const BenchOptions& o, TargetResult& r, std::vector<std::int64_t>& offsets,
                            const std::atomic<bool>& stop) {
  throughput_phase(o, r, offsets, stop);  // leaves `offsets` at the log end
  if (o.latency_duration_s <= 0 || !r.ok() || stop.load()) return;
  r.latency_rate = o.rate_fraction * r.produce_records_per_s;
  if (r.latency_rate <= 0) {
    add_error(r, "latency phase: the throughput phase measured no rate to take a fraction of");
    return;
  }
  r.settle = wait_for_dirty_pages(static_cast<std::uint64_t>(o.settle_dirty_mib * 1024 * 1024), o.settle_timeout_s,
                                  stop);
  if (!stop.load()) latency_phase(o, r, offsets, stop);
}

}  // namespace

TargetResult run_target(const BenchOptions& o, const std::string& name, const std::string& brokers, int pid,
                        bool is_reference, const std::atomic<bool>& stop) {
  TargetResult r;
  r.name = name;
  r.brokers = brokers;
  r.pid = pid;
  r.is_reference = is_reference;
  if (std::string err = ensure_topic(brokers, o.topic, o.partitions); !err.empty()) {
    r.error = err;
    return r;
  }
  std::vector<std::int64_t> offsets;
  if (std::string err = end_offsets(brokers, o.topic, o.partitions, offsets); !err.empty()) {
    r.error = err;
    return r;
  }
  if (o.mode == BenchMode::kConsume)
    consume_mode(o, r, offsets, stop);
  else if (o.rate_fraction > 0)
    fractional_rate_phases(o, r, offsets, stop);
  else
    fixed_rate_phases(o, r, offsets, stop);
  if (stop.load()) add_error(r, "interrupted");
  return r;
}

}  // namespace fjord::bench
