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
  // Latency phase (produce mode, runs first): fixed total rate with a
  // consumer reading every record back.
  double latency_duration_s = 5;
  double rate = 5000;
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

const char* mode_name(BenchMode mode);

}  // namespace fjord::bench
