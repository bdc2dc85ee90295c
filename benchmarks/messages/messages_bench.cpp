// Decode/encode throughput of the generated codecs on realistic hot-path
// messages: a Produce request with 16 partitions x 16 KiB batches and a Fetch
// response carrying the same amount of in-memory records (decode never copies
// records, so its bytes/s is large), plus a field-heavy Metadata response.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "protocol/messages/fetch_response.h"
#include "protocol/messages/metadata_response.h"
#include "protocol/messages/produce_request.h"
#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"

namespace fjord::protocol {
namespace {

constexpr int kPartitions = 16;
constexpr uint32_t kBatchBytes = 16 * 1024;

std::vector<uint8_t>& record_bytes() {
  static std::vector<uint8_t> bytes = [] {
    std::vector<uint8_t> b(size_t{kPartitions} * kBatchBytes);
    for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i * 131 + 7);
    return b;
  }();
  return bytes;
}

Records batch(int partition) {
  Records r;
  r.is_null = false;
  r.data = record_bytes().data() + size_t(partition) * kBatchBytes;
  r.size = kBatchBytes;
  return r;
}

ProduceRequest make_produce() {
  ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  auto& topic = req.topic_data.emplace_back();
  topic.name = "benchmark-topic";
  for (int p = 0; p < kPartitions; ++p) {
    auto& part = topic.partition_data.emplace_back();
    part.index = p;
    part.records = batch(p);
  }
  return req;
}

FetchResponse make_fetch() {
  FetchResponse resp;
  auto& topic = resp.responses.emplace_back();
  topic.topic = "benchmark-topic";
  for (int p = 0; p < kPartitions; ++p) {
    auto& part = topic.partitions.emplace_back();
    part.partition_index = p;
    part.high_watermark = 1000000;
    part.last_stable_offset = 1000000;
    part.log_start_offset = 0;
    part.records = batch(p);
  }
  return resp;
}

// Field-heavy and record-free: 10 topics x 16 partitions, 3 replicas each.
MetadataResponse make_metadata() {
  MetadataResponse resp;
  for (int b = 0; b < 3; ++b) {
    auto& broker = resp.brokers.emplace_back();
    broker.node_id = b;
    broker.host = "127.0.0.1";
    broker.port = 9092 + b;
  }
  resp.cluster_id = "fjord-benchmark-cluster";
  for (int t = 0; t < 10; ++t) {
    auto& topic = resp.topics.emplace_back();
    topic.name = "topic-" + std::to_string(t);
    for (int p = 0; p < 16; ++p) {
      auto& part = topic.partitions.emplace_back();
      part.partition_index = p;
      part.leader_id = p % 3;
      part.replica_nodes = {0, 1, 2};
      part.isr_nodes = {0, 1, 2};
    }
  }
  return resp;
}

template <typename M>
void bench_encode(benchmark::State& state, const M& msg, int16_t version) {
  Writer w(msg.size(version));
  for (auto _ : state) {
    w.clear();
    msg.encode(w, version);
    benchmark::DoNotOptimize(w.buffer().data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(w.size()));
}

template <typename M>
void bench_decode(benchmark::State& state, const M& msg, int16_t version) {
  Writer w;
  msg.encode(w, version);
  for (auto _ : state) {
    Reader r(w.buffer().data(), w.buffer().size());
    M decoded;
    bool ok = decoded.decode(r, version);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(w.size()));
}

void BM_ProduceDecode(benchmark::State& state) {
  bench_decode(state, make_produce(), static_cast<int16_t>(state.range(0)));
}
void BM_ProduceEncode(benchmark::State& state) {
  bench_encode(state, make_produce(), static_cast<int16_t>(state.range(0)));
}
void BM_FetchResponseDecode(benchmark::State& state) {
  bench_decode(state, make_fetch(), static_cast<int16_t>(state.range(0)));
}
void BM_FetchResponseEncode(benchmark::State& state) {
  bench_encode(state, make_fetch(), static_cast<int16_t>(state.range(0)));
}

void BM_MetadataResponseDecode(benchmark::State& state) {
  bench_decode(state, make_metadata(), static_cast<int16_t>(state.range(0)));
}
void BM_MetadataResponseEncode(benchmark::State& state) {
  bench_encode(state, make_metadata(), static_cast<int16_t>(state.range(0)));
}

// v7: librdkafka/kafkajs; v9/v12: first flexible versions (Java uses v11/v12+).
BENCHMARK(BM_ProduceDecode)->Arg(7)->Arg(9);
BENCHMARK(BM_ProduceEncode)->Arg(7)->Arg(9);
BENCHMARK(BM_FetchResponseDecode)->Arg(11)->Arg(12);
BENCHMARK(BM_FetchResponseEncode)->Arg(11)->Arg(12);
BENCHMARK(BM_MetadataResponseDecode)->Arg(4)->Arg(12);
BENCHMARK(BM_MetadataResponseEncode)->Arg(4)->Arg(12);

}  // namespace
}  // namespace fjord::protocol

BENCHMARK_MAIN();
