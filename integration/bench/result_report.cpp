#include "result_report.h"

#include <cstdio>
#include <sstream>

namespace fjord::bench {
namespace {

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string rate(double per_s) {
  if (per_s >= 1e6) return fmt("%.2fM", per_s / 1e6);
  if (per_s >= 1e3) return fmt("%.1fk", per_s / 1e3);
  return fmt("%.0f", per_s);
}

std::string ms(std::uint64_t ns) { return fmt("%.2fms", static_cast<double>(ns) / 1e6); }

// Only shown when a dirty-page wait happened before the latency phase.
std::string settle_text(const SettleOutcome& w) {
  if (!w.measured) return "";
  std::string text = ", settle " + fmt("%.1fs", w.waited_s);
  if (!w.settled) text += " (still " + fmt("%.0f MiB dirty", static_cast<double>(w.after_bytes) / 1048576) + ")";
  return text;
}

std::string config_text(const BenchOptions& o) {
  std::ostringstream s;
  if (!o.label.empty()) s << "[" << o.label << "] ";
  s << mode_name(o.mode) << " size=" << o.record_size << " partitions=" << o.partitions << " acks=" << o.acks
    << " compression=" << o.compression << " producers=" << o.producers << " linger=" << o.linger_ms << "ms";
  if (o.queue_messages != BenchOptions{}.queue_messages) s << " queue=" << o.queue_messages;
  if (o.batch_bytes > 0) s << " batch=" << o.batch_bytes << "B";
  if (o.max_in_flight > 0) s << " in-flight=" << o.max_in_flight;
  if (o.transaction_records > 0) s << " transactions=" << o.transaction_records << "records";
  else if (o.idempotent) s << " idempotent";
  if (o.mode == BenchMode::kProduce && o.latency_duration_s > 0) {
    if (latency_linger(o) != o.linger_ms) s << " latency-linger=" << latency_linger(o) << "ms";
    if (o.rate_fraction > 0) s << " latency@" << fmt("%g", o.rate_fraction) << "xthroughput";
    if (o.consumers > 1) s << " consumers=" << o.consumers;
  }
  if (o.mode == BenchMode::kProduce && o.warmup_s > 0) s << " warmup=" << fmt("%g", o.warmup_s) << "s";
  return s.str();
}

// "cpu 1.87/2 (client 1.25, broker 0.60, steal 0.02)": cores kept busy in a phase's measured part.
std::string cpu_text(const CpuShare& c) {
  if (!c.measured) return "";
  std::string text = ", cpu " + fmt("%.2f", c.machine) + "/" + std::to_string(c.cores) + " (client " + fmt("%.2f", c.client);
  if (c.broker >= 0) text += ", broker " + fmt("%.2f", c.broker);
  return text + ", steal " + fmt("%.2f", c.steal) + ")";
}

std::string target_text(const BenchOptions& o, const TargetResult& r) {
  std::ostringstream s;
  s << r.name << " ";
  if (!r.ok()) s << "ERROR(" << r.error << ") ";
  if (!r.note.empty()) s << "NOTE(" << r.note << ") ";
  if (o.mode == BenchMode::kProduce) {
    s << rate(r.produce_records_per_s) << " rec/s " << fmt("%.1f", r.produce_mb_per_s) << " MB/s"
      << cpu_text(r.bulk_cpu);
    if (const LatencyHistogram& c = r.bulk.commit_latency; c.count() > 0)
      s << ", commit p50=" << ms(c.percentile(50)) << " p99=" << ms(c.percentile(99)) << " (" << c.count()
        << " transactions)";
    const LatencyHistogram& h = r.consume.e2e_latency;
    if (h.count() > 0)
      s << ", e2e@" << rate(r.latency_rate_achieved) << "/s (asked " << rate(r.latency_rate) << "/s, linger "
        << r.latency_linger_ms << "ms" << settle_text(r.settle) << ")"
      << " p50=" << ms(h.percentile(50)) << " p99=" << ms(h.percentile(99))
        << " p99.9=" << ms(h.percentile(99.9)) << " max=" << ms(h.max()) << cpu_text(r.latency_cpu);
  } else {
    s << "read " << rate(r.consume_records_per_s) << " rec/s " << fmt("%.1f", r.consume_mb_per_s) << " MB/s ("
      << r.consume.consumed << " records, " << fmt("%.1f", static_cast<double>(r.consume.bytes) / 1e6)
      << " MB; fill " << rate(r.produce_records_per_s) << " rec/s)";
  }
  return s.str();
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }
double ratio(std::uint64_t a, std::uint64_t b) { return ratio(static_cast<double>(a), static_cast<double>(b)); }

void json_string(std::ostringstream& s, const std::string& v) {
  s << '"';
  for (const char c : v) {
    if (c == '"' || c == '\\') s << '\\' << c;
    else if (static_cast<unsigned char>(c) < 0x20) s << fmt("\\u%04x", static_cast<unsigned char>(c));
    else s << c;
  }
  s << '"';
}

void json_latency(std::ostringstream& s, const LatencyHistogram& h) {
  s << "{\"count\":" << h.count() << ",\"mean_ns\":" << static_cast<std::uint64_t>(h.mean())
    << ",\"p50_ns\":" << h.percentile(50) << ",\"p99_ns\":" << h.percentile(99)
    << ",\"p999_ns\":" << h.percentile(99.9) << ",\"max_ns\":" << h.max() << "}";
}

// A client setting left unset (0) is null: librdkafka's default.
std::string json_setting(int value) { return value > 0 ? std::to_string(value) : "null"; }

// Cores kept busy; "broker" is null when its process was not given.
void json_cpu(std::ostringstream& s, const CpuShare& c) {
  s << "{\"measured\":" << (c.measured ? "true" : "false") << ",\"seconds\":" << c.seconds
    << ",\"cores\":" << c.cores << ",\"machine\":" << c.machine << ",\"steal\":" << c.steal << ",\"client\":" << c.client
    << ",\"broker\":";
  if (c.broker >= 0) s << c.broker;
  else s << "null";
  s << "}";
}

void json_target(std::ostringstream& s, BenchMode mode, const TargetResult& r) {
  s << "{\"name\":";
  json_string(s, r.name);
  s << ",\"brokers\":";
  json_string(s, r.brokers);
  s << ",\"ok\":" << (r.ok() ? "true" : "false") << ",\"error\":";
  json_string(s, r.error);
  s << ",\"note\":";
  json_string(s, r.note);
  s << ",\"records_per_s\":" << r.records_per_s(mode) << ",\"mb_per_s\":" << r.mb_per_s(mode)
    << ",\"produce\":{\"records_per_s\":" << r.produce_records_per_s << ",\"mb_per_s\":" << r.produce_mb_per_s
    << ",\"seconds\":" << r.bulk.seconds << ",\"sent\":" << r.bulk.sent << ",\"acked\":" << r.bulk.acked
    << ",\"measured_seconds\":" << r.bulk.measured_seconds << ",\"measured_acked\":" << r.bulk.measured_acked
    << ",\"failed\":" << r.bulk.failed << ",\"unflushed\":" << r.bulk.unflushed
    << ",\"log_growth\":" << r.log_growth << ",\"growth_settle_ms\":" << r.growth_settle_ms
    << ",\"cpu\":";
  json_cpu(s, r.bulk_cpu);
  s << ",\"ack_latency\":";
  json_latency(s, r.bulk.ack_latency);
  s << ",\"commit_latency\":";
  json_latency(s, r.bulk.commit_latency);
  s << "},\"latency_phase\":{\"rate\":" << r.latency_rate << ",\"rate_achieved\":" << r.latency_rate_achieved
    << ",\"linger_ms\":" << r.latency_linger_ms << ",\"send_seconds\":" << r.latency_produce.send_seconds
    << ",\"pacing_sleeps\":" << r.latency_produce.sleeps << ",\"consumers\":" << r.consume.instances
    << ",\"settle\":{\"measured\":" << (r.settle.measured ? "true" : "false")
    << ",\"settled\":" << (r.settle.settled ? "true" : "false") << ",\"waited_s\":" << r.settle.waited_s
    << ",\"dirty_before_bytes\":" << r.settle.before_bytes << ",\"dirty_after_bytes\":" << r.settle.after_bytes
    << "},\"sent\":" << r.latency_produce.sent
    << ",\"acked\":" << r.latency_produce.acked << ",\"failed\":" << r.latency_produce.failed << ",\"cpu\":";
  json_cpu(s, r.latency_cpu);
  s << ",\"ack_latency\":";
  json_latency(s, r.latency_produce.ack_latency);
  s << "},\"consume\":{\"expected\":" << r.expected << ",\"consumed\":" << r.consume.consumed
    << ",\"bytes\":" << r.consume.bytes << ",\"lost\":" << r.lost << ",\"foreign\":" << r.consume.foreign
    << ",\"errors\":" << r.consume.errors << ",\"out_of_range\":" << r.consume.out_of_range
    << ",\"seconds\":" << r.consume_seconds
    << ",\"records_per_s\":" << r.consume_records_per_s << ",\"mb_per_s\":" << r.consume_mb_per_s
    << ",\"e2e_latency\":";
  json_latency(s, r.consume.e2e_latency);
  s << "}}";
}

}  // namespace

std::string summary_line(const BenchOptions& o, const TargetResult& t, const TargetResult* ref) {
  std::string line = config_text(o) + " | " + target_text(o, t);
  if (ref != nullptr) {
    line += " | " + target_text(o, *ref) + " | " + t.name + "/" + ref->name + " thr=" +
            fmt("%.2f", ratio(t.records_per_s(o.mode), ref->records_per_s(o.mode)));
    const LatencyHistogram& a = t.consume.e2e_latency;
    const LatencyHistogram& b = ref->consume.e2e_latency;
    if (o.mode == BenchMode::kProduce && a.count() > 0 && b.count() > 0) {
      line += " p50=" + fmt("%.2f", ratio(a.percentile(50), b.percentile(50))) +
              " p99=" + fmt("%.2f", ratio(a.percentile(99), b.percentile(99)));
    }
  }
  return line;
}

std::string json_document(const BenchOptions& o, const TargetResult& t, const TargetResult* ref) {
  std::ostringstream s;
  s << "{\"config\":{\"mode\":\"" << mode_name(o.mode) << "\",\"label\":";
  json_string(s, o.label);
  s << ",\"topic\":";
  json_string(s, o.topic);
  s << ",\"partitions\":" << o.partitions << ",\"record_size\":" << o.record_size << ",\"acks\":\"" << o.acks
    << "\",\"compression\":\"" << o.compression << "\",\"producers\":" << o.producers
    << ",\"duration_s\":" << o.duration_s << ",\"records\":" << o.records
    << ",\"latency_duration_s\":" << o.latency_duration_s << ",\"warmup_s\":" << o.warmup_s
    << ",\"rate\":" << o.rate
    << ",\"rate_fraction\":" << o.rate_fraction << ",\"phase_order\":\""
    << (o.rate_fraction > 0 ? "throughput,latency" : "latency,throughput") << "\""
    << ",\"linger_ms\":" << o.linger_ms << ",\"latency_linger_ms\":" << latency_linger(o)
    << ",\"queue_messages\":" << o.queue_messages
    << ",\"batch_bytes\":" << json_setting(o.batch_bytes) << ",\"max_in_flight\":" << json_setting(o.max_in_flight)
    << ",\"consumers\":" << o.consumers << ",\"settle_dirty_mib\":" << o.settle_dirty_mib
    << ",\"settle_timeout_s\":" << o.settle_timeout_s
    << ",\"reference_records\":" << o.reference_records << "}";
  s << ",\"ok\":" << ((t.ok() && (ref == nullptr || ref->ok())) ? "true" : "false");
  s << ",\"target\":";
  json_target(s, o.mode, t);
  if (ref != nullptr) {
    s << ",\"reference\":";
    json_target(s, o.mode, *ref);
    const LatencyHistogram& a = t.consume.e2e_latency;
    const LatencyHistogram& b = ref->consume.e2e_latency;
    s << ",\"ratio\":{\"records_per_s\":" << ratio(t.records_per_s(o.mode), ref->records_per_s(o.mode))
      << ",\"e2e_p50\":" << ratio(a.percentile(50), b.percentile(50))
      << ",\"e2e_p99\":" << ratio(a.percentile(99), b.percentile(99))
      << ",\"e2e_p999\":" << ratio(a.percentile(99.9), b.percentile(99.9))
      << ",\"e2e_max\":" << ratio(a.max(), b.max()) << "}";
  }
  s << "}\n";
  return s.str();
}

}  // namespace fjord::bench
