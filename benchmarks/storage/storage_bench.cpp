// Storage engine micro-benchmarks: append throughput in durable mode (every
// append waits for fdatasync; concurrent appenders share syncs through group
// commit) and in page-cache mode (flush.messages set), plus offset lookup.
// Data goes to $FJORD_BENCH_DIR (default ./storage-bench-data), removed after.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>

#include "protocol/records/record_batch_builder.h"
#include "storage/io/flusher.h"
#include "storage/log/partition_log.h"
#include "storage/log/partition_metadata.h"
#include "storage/io/tail_writer.h"

namespace fjord::storage {
namespace {

std::string bench_root() {
  const char* d = std::getenv("FJORD_BENCH_DIR");
  return d ? d : "storage-bench-data";
}

// One batch of `records` records with `value_bytes`-byte values.
std::vector<uint8_t> make_batch(int records, size_t value_bytes) {
  protocol::RecordBatchBuilder b;
  std::string value(value_bytes, 'x');
  for (int i = 0; i < records; ++i) b.add(1700000000000 + i, "key-" + std::to_string(i), value);
  return b.build();
}

// Shared log for multi-threaded benchmarks: set up by thread 0.
struct SharedLog {
  std::mutex mu;
  std::unique_ptr<Flusher> flusher;
  std::shared_ptr<PartitionLog> log;
  std::string dir;
  int users = 0;

  void acquire(const LogConfig& cfg, const std::string& name) {
    std::lock_guard lk(mu);
    if (users++ == 0) {
      dir = bench_root() + "/" + name;
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      flusher = std::make_unique<Flusher>();
      if (PartitionLog::open(dir + "/b-0", "b", 0, random_topic_id(), cfg, true, flusher.get(), &log) != Errc::ok)
        std::abort();
    }
  }
  void release() {
    std::lock_guard lk(mu);
    if (--users == 0) {
      log->close();
      log.reset();
      flusher.reset();
      std::filesystem::remove_all(dir);
    }
  }
};
SharedLog g_shared;

// Batch of 16 records * value bytes; args: value bytes.
void BM_AppendDurable(benchmark::State& state) {
  g_shared.acquire(LogConfig{}, "durable-" + std::to_string(state.threads()) + "-" + std::to_string(state.range(0)));
  auto batch = make_batch(16, size_t(state.range(0)));
  protocol::RecordBatchView v;
  protocol::RecordBatchView::parse(batch.data(), batch.size(), &v);
  for (auto _ : state) {
    AppendInfo info;
    if (g_shared.log->append(v, &info) != Errc::ok) state.SkipWithError("append failed");
    std::promise<bool> p;
    auto f = p.get_future();
    g_shared.log->when_durable(info.last_offset, [&p](bool ok) { p.set_value(ok); });
    if (!f.get()) state.SkipWithError("sync failed");
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(batch.size()));
  state.SetItemsProcessed(int64_t(state.iterations()));
  g_shared.release();
}
BENCHMARK(BM_AppendDurable)->Arg(64)->Arg(1024)->Threads(1)->Threads(8)->Threads(32)->UseRealTime();

void BM_AppendPageCache(benchmark::State& state) {
  LogConfig cfg;
  cfg.flush_messages = int64_t(1) << 40;  // Kafka-style: the OS decides when to write back
  g_shared.acquire(cfg, "pagecache-" + std::to_string(state.threads()) + "-" + std::to_string(state.range(0)));
  auto batch = make_batch(16, size_t(state.range(0)));
  protocol::RecordBatchView v;
  protocol::RecordBatchView::parse(batch.data(), batch.size(), &v);
  for (auto _ : state) {
    AppendInfo info;
    if (g_shared.log->append(v, &info) != Errc::ok) state.SkipWithError("append failed");
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(batch.size()));
  state.SetItemsProcessed(int64_t(state.iterations()));
  g_shared.release();
}
BENCHMARK(BM_AppendPageCache)->Arg(64)->Arg(1024)->Threads(1)->UseRealTime();

// In-memory tails, as the broker runs them: each iteration appends one batch
// (16 records * 1 KiB) to each of `partitions` partitions and waits until all
// are acknowledged: written to the .log by the TailWriter's 2 threads
// (page-cache mode), or written and fdatasynced by the Flusher's 4 lanes
// (durable). The time per iteration is how long a produce request touching
// every partition waits for its acks; how the rounds reach the device sets
// it. Args: partitions, durable (0/1).
void BM_TailWriteRoundsAcrossPartitions(benchmark::State& state) {
  const int partitions = int(state.range(0));
  const bool durable = state.range(1) != 0;
  const std::string dir = bench_root() + "/tails-" + std::to_string(partitions) + (durable ? "-durable" : "");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  LogConfig cfg;
  if (!durable) cfg.flush_messages = int64_t(1) << 40;
  {
    Flusher flusher;
    TailWriter writer(2);
    std::vector<std::shared_ptr<PartitionLog>> logs(static_cast<size_t>(partitions));
    for (int p = 0; p < partitions; ++p) {
      if (PartitionLog::open(dir + "/t-" + std::to_string(p), "t", p, random_topic_id(), cfg, true,
                             durable ? &flusher : nullptr,
                             &logs[size_t(p)]) != Errc::ok ||
          logs[size_t(p)]->writes().use_tails(&writer) != Errc::ok)
        std::abort();
    }
    auto batch = make_batch(16, 1024);
    protocol::RecordBatchView v;
    protocol::RecordBatchView::parse(batch.data(), batch.size(), &v);
    for (auto _ : state) {
      std::vector<std::future<bool>> acks;
      for (auto& log : logs) {
        AppendInfo info;
        if (log->append(v, &info) != Errc::ok) state.SkipWithError("append failed");
        auto p = std::make_shared<std::promise<bool>>();
        acks.push_back(p->get_future());
        log->when_durable(info.last_offset, [p](bool ok) { p->set_value(ok); });
      }
      for (auto& f : acks)
        if (!f.get()) state.SkipWithError("write failed");
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(batch.size()) * partitions);
    for (auto& log : logs) log->close();
    writer.stop();
    flusher.stop();
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_TailWriteRoundsAcrossPartitions)
    ->ArgsProduct({{1, 16, 64}, {0, 1}})
    ->ArgNames({"partitions", "durable"})
    ->UseRealTime();

// Fetch-path lookup: offset -> file slice of up to 1 MiB of whole batches, in
// a 100k-batch log spread over segments. No record bytes are touched.
void BM_OffsetLookup(benchmark::State& state) {
  LogConfig cfg;
  cfg.flush_messages = int64_t(1) << 40;
  cfg.segment_bytes = 16 << 20;
  g_shared.acquire(cfg, "lookup");
  auto batch = make_batch(4, 50);
  protocol::RecordBatchView v;
  protocol::RecordBatchView::parse(batch.data(), batch.size(), &v);
  for (int i = 0; i < 100000; ++i) g_shared.log->append(v, nullptr);
  int64_t end = g_shared.log->log_end_offset();
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    auto r = g_shared.log->read(int64_t(rng() % uint64_t(end)), int32_t(state.range(0)));
    benchmark::DoNotOptimize(r.slice.length);
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  g_shared.release();
}
BENCHMARK(BM_OffsetLookup)->Arg(1024)->Arg(1 << 20);

}  // namespace
}  // namespace fjord::storage

BENCHMARK_MAIN();
