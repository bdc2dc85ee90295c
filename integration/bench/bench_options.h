#pragma once
// Command-line options of fjord_bench. Parsing happens once at start-up, so
// it reports problems by exception.

#include <cstdint>
#include <string>

namespace fjord::bench {

enum class BenchMode { kProduce, kConsume };

struct BenchOptions {
  std::string brokers;        // target under test (fjord), host:port
  std::string target_name = "fjord";
  std::string mock_brokers;   // optional side-by-side reference (mock peer)
  // Processes whose CPU the phases report beside the machine's and the client's (0: unknown).
  int broker_pid = 0;
  int mock_pid = 0;
  std::string topic = "fjord-bench";
  BenchMode mode = BenchMode::kProduce;
  int partitions = 1;
  std::size_t record_size = 1024;
  std::string acks = "all";   // "0", "1" or "all"
  std::string compression = "none";
  int producers = 1;
  // Throughput phase (producers flat out, no consumer) or, in consume mode,
  // the fill phase: bounded by time and/or record count.
  double duration_s = 10;
  std::uint64_t records = 0;  // 0 = bounded by duration only
  // Latency phase (produce mode): producers at a paced total rate while
  // consumers read every record back. With rate_fraction > 0 it runs after
  // the throughput phase at rate_fraction x the rate that phase measured
  // (each target its own); otherwise it runs first at the fixed `rate`.
  double latency_duration_s = 5;
  // Each phase runs warmup_s longer and its first warmup_s is not measured:
  // the throughput phase counts only what is acknowledged after it (a fresh
  // broker first touching its memory), the latency phase only records sent
  // after it (clients connecting, fetch sessions forming). Not with --records.
  double warmup_s = 1;
  // > 0: the consumers print every 50 ms of send time in which a record took
  // longer than this end to end (stderr; finding stalls).
  std::uint64_t stall_report_ms = 0;
  double rate = 5000;
  double rate_fraction = 0;     // 0 = fixed --rate, latency phase first
  // Between the phases (rate_fraction mode): wait until the machine's
  // Dirty + Writeback page cache is below this, or the timeout passed.
  double settle_dirty_mib = 64;
  double settle_timeout_s = 20;
  int linger_ms = 5;            // producer linger.ms (librdkafka's default)
  bool idempotent = false;      // producer enable.idempotence
  // > 0: transactional producers (idempotent too) committing every N
  // records; commit latency is reported.
  int transaction_records = 0;
  int latency_linger_ms = -1;   // latency phase only; -1 = linger_ms
  // Producer queue.buffering.max.messages (librdkafka's default). Flat out
  // the queue stays full, and the client's send copies run from memory as
  // cold as the queue is deep (docs/performance.md, "Method").
  int queue_messages = 100000;
  // Producer batch.size and max.in.flight.requests.per.connection; 0 leaves
  // librdkafka's default (1000000 bytes, 1000000 requests). The Java
  // producer batches 16384 bytes with 5 in flight.
  int batch_bytes = 0;
  int max_in_flight = 0;
  int consumers = 1;            // consumer instances splitting the partitions (latency phase, consume mode)
  std::uint64_t reference_records = 0;  // consume mode: fill size for the mock (it keeps ~5 MB per partition)
  std::string client_debug;     // librdkafka "debug" contexts for producers and consumer
  int fetch_wait_ms = 500;      // consumer fetch.wait.max.ms (librdkafka's default)
  double drain_timeout_s = 30;  // consumer wait for the tail after producing stops
  std::string json_path;
  std::string label;
};

// Throws std::invalid_argument with a message on bad input; returns false
// when --help was asked for (usage already printed).
bool parse_options(int argc, char** argv, BenchOptions& out);

// linger.ms of the latency phase's producers.
inline int latency_linger(const BenchOptions& o) { return o.latency_linger_ms >= 0 ? o.latency_linger_ms : o.linger_ms; }

const char* mode_name(BenchMode mode);

}  // namespace fjord::bench
