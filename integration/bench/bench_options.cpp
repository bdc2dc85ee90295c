#include "bench_options.h"

#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace fjord::bench {
namespace {

constexpr const char* kUsage =
    "usage: fjord_bench --brokers HOST:PORT [options]\n"
    "  --mode produce|consume   produce: a throughput phase, producers flat out, and a\n"
    "                           latency phase at a paced rate with consumers (default)\n"
    "                           consume: fill the topic, then read the fill back\n"
    "  --mock-brokers HOST:PORT  also measure the librdkafka mock peer, print ratios\n"
    "  --target-name NAME       label of --brokers in the output (default fjord)\n"
    "  --broker-pid PID, --mock-pid PID  report these processes' CPU in each phase\n"
    "  --topic NAME             created with --partitions if missing\n"
    "  --partitions N           (default 1)\n"
    "  --size BYTES             record value size (default 1024, minimum 32)\n"
    "  --acks 0|1|all           (default all)\n"
    "  --compression none|lz4|snappy|gzip|zstd\n"
    "  --producers N            producer instances, one connection each (default 1)\n"
    "  --duration SECONDS       throughput/fill phase length; 0 = skip (default 10)\n"
    "  --records N              end that phase after N records in total (whichever first)\n"
    "  --latency-duration SECONDS  latency phase length; 0 = skip (default 5)\n"
    "  --warmup SECONDS         each phase runs SECONDS longer, and what is acknowledged\n"
    "                           (throughput) or sent (latency) in its first SECONDS is\n"
    "                           not measured; not with --records (default 1)\n"
    "  --stall-report-ms MS     print (stderr) each 50 ms of send time in which a record\n"
    "                           took over MS end to end (default 0: off)\n"
    "  --rate R                 latency phase records/s in total, run before the\n"
    "                           throughput phase (default 5000)\n"
    "  --rate-fraction F        instead: throughput phase first, then the latency phase\n"
    "                           at F x the rate it measured, per target (e.g. 0.5)\n"
    "  --settle-dirty-mib M     between them wait until Dirty+Writeback < M MiB (default 64)\n"
    "  --settle-timeout S       ... or S seconds passed (default 20)\n"
    "  --linger-ms N            producer linger.ms (default 5, librdkafka's)\n"
    "  --latency-linger-ms N    linger.ms of the latency phase only (default --linger-ms)\n"
    "  --idempotence true|false producer enable.idempotence (default false)\n"
    "  --transaction-records N  transactional producers: a transaction of N records per\n"
    "                           producer at a time, commit latency p50/p99 reported\n"
    "                           (default 0: none)\n"
    "  --queue-messages N       producer queue.buffering.max.messages (default 100000,\n"
    "                           librdkafka's)\n"
    "  --batch-bytes N          producer batch.size, 1..2147483647 (default: librdkafka's)\n"
    "  --max-in-flight N        producer max.in.flight.requests.per.connection,\n"
    "                           1..1000000 (default: librdkafka's)\n"
    "  --consumers N            consumer instances splitting the partitions, one thread\n"
    "                           each (latency phase; read-back in consume mode) (default 1)\n"
    "  --reference-records N    consume mode: fill size for the mock peer\n"
    "  --fetch-wait-ms MS       consumer fetch.wait.max.ms (default 500, librdkafka's)\n"
    "  --client-debug CONTEXTS  librdkafka debug contexts, e.g. msg,protocol (stderr)\n"
    "  --drain-timeout SECONDS  wait for the consumer to catch up (default 30)\n"
    "  --json FILE              write the figures as JSON\n"
    "  --label TEXT             free-form tag copied into the output\n";

double to_double(std::string_view flag, const std::string& v) {
  try {
    std::size_t used = 0;
    const double d = std::stod(v, &used);
    if (used != v.size() || d < 0) throw std::invalid_argument("");
    return d;
  } catch (const std::exception&) {
    throw std::invalid_argument(std::string(flag) + ": not a non-negative number: " + v);
  }
}

std::uint64_t to_u64(std::string_view flag, const std::string& v) {
  try {
    std::size_t used = 0;
    const unsigned long long n = std::stoull(v, &used);
    if (used != v.size() || v.starts_with('-')) throw std::invalid_argument("");
    return n;
  } catch (const std::exception&) {
    throw std::invalid_argument(std::string(flag) + ": not a non-negative integer: " + v);
  }
}

// A small integer option; bounding before the cast keeps huge values from
// wrapping into range.
int to_int(std::string_view flag, const std::string& v, std::uint64_t max) {
  const std::uint64_t n = to_u64(flag, v);
  if (n > max) throw std::invalid_argument(std::string(flag) + ": at most " + std::to_string(max));
  return static_cast<int>(n);
}

// A client setting whose 0 would mean "unset" here, and librdkafka refuses.
int to_positive_int(std::string_view flag, const std::string& v, std::uint64_t max) {
  const int n = to_int(flag, v, max);
  if (n < 1) throw std::invalid_argument(std::string(flag) + ": at least 1");
  return n;
}

}  // namespace

const char* mode_name(BenchMode mode) {
  return mode == BenchMode::kProduce ? "produce" : "consume";
}

bool parse_options(int argc, char** argv, BenchOptions& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return false;
    }
    if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + ": missing value");
    const std::string v = argv[++i];
    if (flag == "--brokers") o.brokers = v;
    else if (flag == "--target-name") o.target_name = v;
    else if (flag == "--mock-brokers") o.mock_brokers = v;
    else if (flag == "--broker-pid") o.broker_pid = to_int(flag, v, 1 << 22);
    else if (flag == "--mock-pid") o.mock_pid = to_int(flag, v, 1 << 22);
    else if (flag == "--topic") o.topic = v;
    else if (flag == "--mode") {
      if (v == "produce") o.mode = BenchMode::kProduce;
      else if (v == "consume") o.mode = BenchMode::kConsume;
      else throw std::invalid_argument("--mode: produce or consume, not " + v);
    } else if (flag == "--partitions") o.partitions = static_cast<int>(to_u64(flag, v));
    else if (flag == "--size") o.record_size = to_u64(flag, v);
    else if (flag == "--acks") o.acks = v == "-1" ? "all" : v;
    else if (flag == "--compression") o.compression = v;
    else if (flag == "--producers") o.producers = static_cast<int>(to_u64(flag, v));
    else if (flag == "--duration") o.duration_s = to_double(flag, v);
    else if (flag == "--records") o.records = to_u64(flag, v);
    else if (flag == "--latency-duration") o.latency_duration_s = to_double(flag, v);
    else if (flag == "--warmup") o.warmup_s = to_double(flag, v);
    else if (flag == "--stall-report-ms") o.stall_report_ms = to_u64(flag, v);
    else if (flag == "--rate") o.rate = to_double(flag, v);
    else if (flag == "--rate-fraction") o.rate_fraction = to_double(flag, v);
    else if (flag == "--settle-dirty-mib") o.settle_dirty_mib = to_double(flag, v);
    else if (flag == "--settle-timeout") o.settle_timeout_s = to_double(flag, v);
    else if (flag == "--linger-ms") o.linger_ms = to_int(flag, v, 900000);  // librdkafka's cap
    else if (flag == "--latency-linger-ms") o.latency_linger_ms = to_int(flag, v, 900000);
    else if (flag == "--idempotence") {
      if (v != "true" && v != "false") throw std::invalid_argument("--idempotence: true or false, not " + v);
      o.idempotent = v == "true";
    } else if (flag == "--transaction-records") o.transaction_records = to_int(flag, v, 1000000);
    else if (flag == "--queue-messages") o.queue_messages = to_int(flag, v, 2147483647);  // librdkafka's cap
    else if (flag == "--batch-bytes") o.batch_bytes = to_positive_int(flag, v, 2147483647);  // librdkafka's range
    else if (flag == "--max-in-flight") o.max_in_flight = to_positive_int(flag, v, 1000000);
    else if (flag == "--consumers") o.consumers = to_int(flag, v, 1000);
    else if (flag == "--reference-records") o.reference_records = to_u64(flag, v);
    else if (flag == "--fetch-wait-ms") o.fetch_wait_ms = static_cast<int>(to_u64(flag, v));
    else if (flag == "--client-debug") o.client_debug = v;
    else if (flag == "--drain-timeout") o.drain_timeout_s = to_double(flag, v);
    else if (flag == "--json") o.json_path = v;
    else if (flag == "--label") o.label = v;
    else throw std::invalid_argument("unknown option " + std::string(flag) + "\n" + kUsage);
  }
  if (o.brokers.empty()) throw std::invalid_argument(std::string("--brokers is required\n") + kUsage);
  if (o.partitions < 1 || o.partitions > 100000) throw std::invalid_argument("--partitions out of range");
  if (o.producers < 1 || o.producers > 1000) throw std::invalid_argument("--producers out of range");
  if (o.record_size < 32 || o.record_size > 16 * 1024 * 1024)
    throw std::invalid_argument("--size must be within [32, 16 MiB]: the payload carries a 32-byte stamp");
  if (o.acks != "0" && o.acks != "1" && o.acks != "all")
    throw std::invalid_argument("--acks: 0, 1 or all, not " + o.acks);
  if (o.compression != "none" && o.compression != "lz4" && o.compression != "snappy" &&
      o.compression != "gzip" && o.compression != "zstd")
    throw std::invalid_argument("--compression: none, lz4, snappy, gzip or zstd");
  if (o.mode == BenchMode::kConsume && o.duration_s <= 0 && o.records == 0)
    throw std::invalid_argument("bound the fill with --duration or --records");
  if (o.mode == BenchMode::kProduce && o.duration_s <= 0 && o.records == 0 && o.latency_duration_s <= 0)
    throw std::invalid_argument("nothing to run: --duration, --records and --latency-duration are all 0");
  if (o.latency_duration_s > 0 && o.rate <= 0) throw std::invalid_argument("--rate must be positive");
  if (o.rate_fraction > 10) throw std::invalid_argument("--rate-fraction must be within [0, 10]");
  if (o.rate_fraction > 0 && o.duration_s <= 0 && o.records == 0)
    throw std::invalid_argument("--rate-fraction needs a throughput phase (--duration or --records)");
  if (o.consumers < 1 || o.consumers > 1000) throw std::invalid_argument("--consumers out of range");
  if (o.queue_messages < 1) throw std::invalid_argument("--queue-messages must be at least 1");
  return true;
}

}  // namespace fjord::bench
