#include "target_run.h"

#include <algorithm>
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

// Checks shared by both modes once producing and consuming are over.
void judge(TargetResult& r, const std::atomic<bool>& stop) {
  if (!r.produce.first_error.empty())
    add_error(r, r.produce.first_error + " (" + std::to_string(r.produce.failed) + " failed)");
  if (r.consume.errors > 0) add_error(r, r.consume.first_error + " (" + std::to_string(r.consume.errors) + " errors)");
  r.lost = r.expected > r.consume.consumed ? r.expected - r.consume.consumed : 0;
  if (r.lost > 0) add_error(r, std::to_string(r.lost) + " records never reached the consumer");
  if (r.consume.foreign > 0) add_error(r, std::to_string(r.consume.foreign) + " records without this run's stamp");
  if (r.produce.acked == 0 && r.error.empty()) add_error(r, "no record was acknowledged");
  if (stop.load()) add_error(r, "interrupted");
}

void run_produce_mode(const BenchOptions& o, TargetResult& r, const std::vector<std::int64_t>& start,
                      const std::atomic<bool>& stop) {
  const std::uint64_t nonce = fresh_nonce();
  ConsumeControl control;
  std::thread consumer([&] { r.consume = consume_records(r.brokers, o.topic, start, nonce, control, stop); });
  while (!control.ready.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  r.produce = run_producers(o, r.brokers, nonce, stop);
  r.expected = r.produce.acked;
  control.expected = r.expected;
  control.deadline_ns = now_ns() + static_cast<std::uint64_t>(o.drain_timeout_s * 1e9);
  consumer.join();
  if (r.produce.seconds > 0) {
    r.records_per_s = static_cast<double>(r.produce.acked) / r.produce.seconds;
    r.mb_per_s = r.records_per_s * static_cast<double>(o.record_size) / 1e6;
  }
  if (r.consume.last_ns > r.consume.assigned_ns)
    r.consume_seconds = static_cast<double>(r.consume.last_ns - r.consume.assigned_ns) / 1e9;
}

void run_consume_mode(const BenchOptions& o, TargetResult& r, const std::vector<std::int64_t>& start,
                      const std::atomic<bool>& stop) {
  const std::uint64_t nonce = fresh_nonce();
  r.produce = run_producers(o, r.brokers, nonce, stop);  // fill phase, nobody reading
  std::vector<std::int64_t> end;
  if (std::string err = end_offsets(r.brokers, o.topic, o.partitions, end); !err.empty()) {
    add_error(r, err);
    return;
  }
  for (std::size_t p = 0; p < end.size(); ++p) r.expected += static_cast<std::uint64_t>(end[p] - start[p]);
  if (r.expected != r.produce.acked)
    add_error(r, "log grew by " + std::to_string(r.expected) + " records, producers saw " +
                     std::to_string(r.produce.acked) + " acknowledged");
  ConsumeControl control;
  control.expected = r.expected;
  const double budget_s = std::max(o.drain_timeout_s, 10 * r.produce.seconds);
  control.deadline_ns = now_ns() + static_cast<std::uint64_t>(budget_s * 1e9);
  r.consume = consume_records(r.brokers, o.topic, start, nonce, control, stop);
  if (r.consume.last_ns > r.consume.assigned_ns) {
    r.consume_seconds = static_cast<double>(r.consume.last_ns - r.consume.assigned_ns) / 1e9;
    r.records_per_s = static_cast<double>(r.consume.consumed) / r.consume_seconds;
    r.mb_per_s = static_cast<double>(r.consume.bytes) / r.consume_seconds / 1e6;
  }
}

}  // namespace

TargetResult run_target(const BenchOptions& o, const std::string& name, const std::string& brokers,
                        const std::atomic<bool>& stop) {
  TargetResult r;
  r.name = name;
  r.brokers = brokers;
  if (std::string err = ensure_topic(brokers, o.topic, o.partitions); !err.empty()) {
    r.error = err;
    return r;
  }
  std::vector<std::int64_t> start;
  if (std::string err = end_offsets(brokers, o.topic, o.partitions, start); !err.empty()) {
    r.error = err;
    return r;
  }
  if (o.mode == BenchMode::kProduce) run_produce_mode(o, r, start, stop);
  else run_consume_mode(o, r, start, stop);
  judge(r, stop);
  return r;
}

}  // namespace fjord::bench
