// Micro-benchmarks for the record layer: CRC-32C, batch validation and
// iteration per codec, raw codec throughput.
//   records_bench --benchmark_filter=Crc
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "protocol/records/batch_validation.h"
#include "protocol/records/compression/compression.h"
#include "protocol/records/crc32c.h"
#include "protocol/records/record_batch_builder.h"
#include "protocol/records/record_reader.h"

namespace fjord::protocol {
namespace {

std::vector<uint8_t> random_bytes(size_t n) {
  std::vector<uint8_t> v(n);
  std::mt19937_64 rng(1);
  for (auto& b : v) b = uint8_t(rng());
  return v;
}

// JSON-ish payloads: compressible like typical event data.
std::string event_value(std::mt19937& rng, int i) {
  static const char* names[] = {"login", "click", "purchase", "logout", "view"};
  return "{\"user\":" + std::to_string(rng() % 100000) + ",\"event\":\"" + names[rng() % 5] +
         "\",\"seq\":" + std::to_string(i) + ",\"page\":\"/catalog/item/" + std::to_string(rng() % 5000) +
         "\",\"agent\":\"Mozilla/5.0 (X11; Linux x86_64)\"}";
}

std::vector<uint8_t> event_records_payload(size_t n) {
  std::mt19937 rng(2);
  std::vector<uint8_t> out;
  int i = 0;
  while (out.size() < n) {
    auto s = event_value(rng, i++);
    out.insert(out.end(), s.begin(), s.end());
  }
  out.resize(n);
  return out;
}

void crc_bench(benchmark::State& state, uint32_t (*fn)(const uint8_t*, size_t, uint32_t)) {
  auto data = random_bytes(size_t(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(fn(data.data(), data.size(), 0));
  state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
}
void BM_Crc32cHardware(benchmark::State& state) {
  if (!crc32c_hardware_available()) { state.SkipWithError("no SSE4.2"); return; }
  crc_bench(state, &crc32c_hardware);
}
void BM_Crc32cVector(benchmark::State& state) {
  if (!crc32c_vector_available()) { state.SkipWithError("no AVX-512 VPCLMULQDQ"); return; }
  crc_bench(state, &crc32c_vector);
}
void BM_Crc32cSoftware(benchmark::State& state) { crc_bench(state, &crc32c_software); }
BENCHMARK(BM_Crc32cVector)->Arg(64)->Arg(1024)->Arg(16 << 10)->Arg(1 << 20);
BENCHMARK(BM_Crc32cHardware)->Arg(64)->Arg(1024)->Arg(16 << 10)->Arg(1 << 20);
BENCHMARK(BM_Crc32cSoftware)->Arg(64)->Arg(1024)->Arg(16 << 10)->Arg(1 << 20);

// A producer-sized batch: 1000 records of ~150-byte JSON values (~170 KB).
std::vector<uint8_t> sample_batch(Compression c) {
  BatchOptions options;
  options.compression = c;
  RecordBatchBuilder b(options);
  std::mt19937 rng(3);
  const HeaderField h[] = {{"source", "bench"}};
  for (int i = 0; i < 1000; ++i) b.add(1700000000000 + i, "user-" + std::to_string(i % 100), event_value(rng, i), h);
  return b.build();
}

void BM_ValidateBatch(benchmark::State& state) {
  auto codec = Compression(state.range(0));
  auto bytes = sample_batch(codec);
  RecordBatchView view;
  RecordBatchView::parse(bytes.data(), bytes.size(), &view);
  std::vector<uint8_t> scratch;
  BatchSummary summary;
  for (auto _ : state) {
    if (validate(view, scratch, {}, &summary) != BatchError::ok) { state.SkipWithError("invalid"); break; }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * 1000);
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(summary.records_size));  // uncompressed bytes
  state.counters["wire_bytes"] = double(bytes.size());
}
BENCHMARK(BM_ValidateBatch)->DenseRange(0, 4)->ArgName("codec");

void BM_IterateBatch(benchmark::State& state) {
  auto codec = Compression(state.range(0));
  auto bytes = sample_batch(codec);
  RecordBatchView view;
  RecordBatchView::parse(bytes.data(), bytes.size(), &view);
  std::vector<uint8_t> scratch;
  size_t total = 0;
  for (auto _ : state) {
    RecordReader reader;
    reader.open(view, scratch);
    Record r;
    size_t sum = 0;
    while (reader.next(&r)) sum += r.value.length() + r.key.length();
    benchmark::DoNotOptimize(sum);
    total = reader.records_size();
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * 1000);
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(total));
}
BENCHMARK(BM_IterateBatch)->DenseRange(0, 4)->ArgName("codec");

void BM_BuildBatch(benchmark::State& state) {
  auto codec = Compression(state.range(0));
  std::mt19937 rng(4);
  std::vector<std::string> values;
  for (int i = 0; i < 1000; ++i) values.push_back(event_value(rng, i));
  BatchOptions options;
  options.compression = codec;
  RecordBatchBuilder b(options);
  std::vector<uint8_t> out;
  for (auto _ : state) {
    b.reset(options);
    out.clear();
    for (int i = 0; i < 1000; ++i) b.add(1700000000000 + i, "key", values[size_t(i)]);
    b.finish(out);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * 1000);
}
BENCHMARK(BM_BuildBatch)->DenseRange(0, 4)->ArgName("codec");

constexpr size_t kCodecInput = 1 << 20;

void BM_Compress(benchmark::State& state) {
  auto codec = Compression(state.range(0));
  auto in = event_records_payload(kCodecInput);
  std::vector<uint8_t> out;
  for (auto _ : state) {
    out.clear();
    compress(codec, in, out);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(in.size()));
  state.counters["ratio"] = double(in.size()) / double(out.size());
}
BENCHMARK(BM_Compress)->DenseRange(1, 4)->ArgName("codec")->Unit(benchmark::kMicrosecond);

void BM_Decompress(benchmark::State& state) {
  auto codec = Compression(state.range(0));
  auto in = event_records_payload(kCodecInput);
  std::vector<uint8_t> compressed, out;
  compress(codec, in, compressed);
  for (auto _ : state) {
    out.clear();
    if (decompress(codec, compressed, out, in.size()) != CodecError::ok) { state.SkipWithError("failed"); break; }
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(in.size()));  // output bytes
}
BENCHMARK(BM_Decompress)->DenseRange(1, 4)->ArgName("codec")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace fjord::protocol

BENCHMARK_MAIN();
