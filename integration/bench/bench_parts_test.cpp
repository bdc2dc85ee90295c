// Unit tests for the benchmark's own measuring parts: if the histogram or
// the payload stamp were wrong, every reported figure would be too.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "bench_options.h"
#include "cpu_usage.h"
#include "dirty_pages.h"
#include "disk_latency.h"
#include "disk_steal.h"
#include "latency_histogram.h"
#include "payload_stamp.h"
#include "producer_pool.h"
#include "send_pacer.h"

namespace fjord::bench {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogram, LargeValuesWithinOnePercent) {
  LatencyHistogram h;
  std::vector<std::uint64_t> values;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(14.0, 1.5);  // around a millisecond in ns
  for (int i = 0; i < 100000; ++i) values.push_back(static_cast<std::uint64_t>(dist(rng)) + 1);
  for (auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const auto exact = values[static_cast<std::size_t>(p / 100 * values.size()) - 1];
    const auto got = h.percentile(p);
    EXPECT_NEAR(static_cast<double>(got), static_cast<double>(exact), exact * 0.01) << "p" << p;
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.percentile(100), values.back());
}

TEST(LatencyHistogram, ExtremesDoNotOverflow) {
  LatencyHistogram h;
  h.record(0);
  h.record(UINT64_MAX);
  EXPECT_EQ(h.max(), UINT64_MAX);
  EXPECT_EQ(h.percentile(100), UINT64_MAX);
  EXPECT_EQ(h.percentile(1), 0u);
}

TEST(LatencyHistogram, MergeAddsCounts) {
  LatencyHistogram a, b;
  a.record(1000);
  b.record(3000);
  b.record(5000);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.max(), 5000u);
  EXPECT_EQ(a.min(), 1000u);
  EXPECT_NEAR(static_cast<double>(a.percentile(50)), 3000.0, 30.0);
}

TEST(PayloadStamp, RoundTrips) {
  const PayloadFiller filler(100, 1);
  std::array<std::byte, 100> buf{};
  const PayloadStamp in{0x1122334455667788ull, 123456789ull, 42, 7};
  filler.fill(buf.data(), in);
  const auto out = read_stamp(buf.data(), buf.size());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->run_nonce, in.run_nonce);
  EXPECT_EQ(out->send_ns, in.send_ns);
  EXPECT_EQ(out->sequence, in.sequence);
  EXPECT_EQ(out->producer, in.producer);
  // Filler is letters, so compression sees text rather than zeros.
  for (std::size_t i = kStampSize; i < buf.size(); ++i) {
    const auto c = static_cast<char>(buf[i]);
    EXPECT_TRUE(c >= 'A' && c <= 'Z');
  }
}

TEST(PayloadStamp, RejectsForeignValues) {
  std::array<std::byte, 64> buf{};
  EXPECT_FALSE(read_stamp(buf.data(), buf.size()).has_value());  // no magic
  write_stamp(buf.data(), PayloadStamp{1, 2, 3, 4});
  EXPECT_TRUE(read_stamp(buf.data(), buf.size()).has_value());
  EXPECT_FALSE(read_stamp(buf.data(), kStampSize - 1).has_value());  // too short
  EXPECT_FALSE(read_stamp(nullptr, 64).has_value());
}

// Simulates a producer loop that sends whenever allowed and otherwise
// sleeps until the wake time; returns {records sent, sleeps}.
std::pair<std::uint64_t, std::uint64_t> simulate_pacing(double rate, std::uint64_t span_ns) {
  const std::uint64_t start = 1000;
  const SendPacer pacer(start, rate);
  std::uint64_t now = start, seq = 0, sleeps = 0;
  while (now < start + span_ns) {
    const std::uint64_t wake = pacer.wake_time(seq, now);
    if (wake == 0) {
      ++seq;
      now += 100;  // the send itself takes a little time
    } else {
      EXPECT_GT(wake, now);
      now = wake;
      ++sleeps;
    }
  }
  return {seq, sleeps};
}

TEST(SendPacer, FlatOutNeverWaits) {
  const SendPacer pacer(0, 0);
  EXPECT_EQ(pacer.wake_time(1000000, 1), 0u);
}

TEST(SendPacer, HighRateSendsInBurstsPerMillisecond) {
  // 125k records/s per producer (500k over 4): one sleep per ms, not per record.
  const auto [sent, sleeps] = simulate_pacing(125000, 1000000000);
  EXPECT_NEAR(static_cast<double>(sent), 125000.0, 200.0);
  EXPECT_LE(sleeps, 1001u);
  EXPECT_GE(sleeps, 999u);
}

TEST(SendPacer, LowRateWakesAtEachRecordsDueTime) {
  const SendPacer pacer(0, 500);  // one record per 2 ms
  EXPECT_EQ(pacer.wake_time(0, 0), 0u);
  EXPECT_EQ(pacer.wake_time(1, 100), 2000000u);
  EXPECT_EQ(pacer.wake_time(1, 2000000), 0u);
  const auto [sent, sleeps] = simulate_pacing(500, 1000000000);
  EXPECT_NEAR(static_cast<double>(sent), 500.0, 1.0);
  EXPECT_NEAR(static_cast<double>(sleeps), 500.0, 1.0);
}

TEST(SendPacer, LateProducerCatchesUpWithoutSleeping) {
  const SendPacer pacer(0, 100000);  // 10 us apart
  EXPECT_EQ(pacer.wake_time(50, 1000000), 0u);  // due at 0.5 ms, now 1 ms
  EXPECT_EQ(pacer.wake_time(101, 1000000), 2000000u);  // due at 1.01 ms: next slice
}

// The producers' ack latency and the consumers' e2e latency must leave out
// the same warm-up, or a fresh broker's first seconds show only in the acks.
TEST(ProducePlan, LatencyPhaseWarmsUpAsItsConsumersDo) {
  BenchOptions o;
  o.latency_duration_s = 5;
  o.warmup_s = 3;
  const ProducePlan p = latency_plan(o, 250000, 1);
  EXPECT_EQ(p.duration_s, 5);
  EXPECT_EQ(p.warmup_s, 3);
  EXPECT_EQ(p.rate, 250000);
  EXPECT_EQ(p.linger_ms, 1);
  EXPECT_EQ(p.records, 0u);
}

TEST(ProducePlan, ThroughputPhaseWarmsUpOnlyWhenBoundedByTime) {
  BenchOptions o;
  o.duration_s = 5;
  o.warmup_s = 2;
  o.linger_ms = 5;
  ProducePlan p = throughput_plan(o);
  EXPECT_EQ(p.duration_s, 5);
  EXPECT_EQ(p.warmup_s, 2);
  EXPECT_EQ(p.rate, 0);
  EXPECT_EQ(p.linger_ms, 5);
  o.records = 1000;
  p = throughput_plan(o);
  EXPECT_EQ(p.records, 1000u);
  EXPECT_EQ(p.warmup_s, 0);
}

// fjord_bench's command line: parses into options, or throws.
BenchOptions parse(std::vector<std::string> args) {
  args.insert(args.begin(), {"fjord_bench", "--brokers", "127.0.0.1:9092"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  BenchOptions o;
  EXPECT_TRUE(parse_options(static_cast<int>(argv.size()), argv.data(), o));
  return o;
}

// Unset, the producers keep librdkafka's batch.size and max.in.flight.
TEST(BenchOptions, BatchAndInFlightAreUnsetByDefault) {
  const BenchOptions o = parse({});
  EXPECT_EQ(o.batch_bytes, 0);
  EXPECT_EQ(o.max_in_flight, 0);
}

TEST(BenchOptions, BatchAndInFlightTakeLibrdkafkasRanges) {
  BenchOptions o = parse({"--batch-bytes", "16384", "--max-in-flight", "5"});
  EXPECT_EQ(o.batch_bytes, 16384);
  EXPECT_EQ(o.max_in_flight, 5);
  o = parse({"--batch-bytes", "2147483647", "--max-in-flight", "1000000"});
  EXPECT_EQ(o.batch_bytes, 2147483647);
  EXPECT_EQ(o.max_in_flight, 1000000);
  for (const char* flag : {"--batch-bytes", "--max-in-flight"})
    for (const char* bad : {"0", "-1", "2147483648", "5x"})
      EXPECT_THROW(parse({flag, bad}), std::invalid_argument) << flag << " " << bad;
  EXPECT_THROW(parse({"--max-in-flight", "1000001"}), std::invalid_argument);
}

TEST(DirtyPages, ParsesDirtyPlusWriteback) {
  const char* meminfo =
      "MemTotal:       24684000 kB\n"
      "Dirty:              1024 kB\n"
      "Writeback:           512 kB\n"
      "WritebackTmp:        999 kB\n";
  EXPECT_EQ(parse_dirty_bytes(meminfo), std::optional<std::uint64_t>((1024 + 512) * 1024));
}

TEST(DirtyPages, RejectsMissingOrMalformedFields) {
  EXPECT_FALSE(parse_dirty_bytes("Dirty: 10 kB\n").has_value());  // no Writeback
  EXPECT_FALSE(parse_dirty_bytes("Dirty: x kB\nWriteback: 0 kB\n").has_value());
  EXPECT_FALSE(parse_dirty_bytes("Dirty: 10 MB\nWriteback: 0 kB\n").has_value());
  EXPECT_FALSE(parse_dirty_bytes("").has_value());
  // WritebackTmp must not stand in for Writeback.
  EXPECT_FALSE(parse_dirty_bytes("Dirty: 1 kB\nWritebackTmp: 5 kB\n").has_value());
}

TEST(DirtyPages, ReadsThisMachine) {
  EXPECT_TRUE(read_dirty_bytes().has_value());
}

TEST(CpuUsage, ParsesTheMachineLine) {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const auto t = parse_proc_stat("cpu  100 2 30 500 7 4 5 1 0 0\ncpu0 50 1 15 250 3 2 2 0 0 0\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->busy, 100u + 2 + 30 + 4 + 5 + 1);
  EXPECT_EQ(t->steal, 1u);
  EXPECT_EQ(t->total, t->busy + 500 + 7);
  EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4 5 6 7 8\n").has_value());  // not the aggregate line
  EXPECT_FALSE(parse_proc_stat("cpu  1 2 3\n").has_value());            // too few fields
  EXPECT_FALSE(parse_proc_stat("").has_value());
}

TEST(CpuUsage, ParsesProcessTicksPastAnAwkwardName) {
  // comm holds a space and a ')'; tty_nr 0 and tpgid -1 come before utime (14) and stime (15).
  const char* line = "4242 (fj (net) 1) S 1 4242 4242 0 -1 4194560 900 0 3 0 1234 567 0 0 20 0 9 0 100 0 0";
  EXPECT_EQ(parse_process_ticks(line), std::optional<unsigned long long>(1234 + 567));
  EXPECT_FALSE(parse_process_ticks("4242 (x) S 1 2").has_value());
  EXPECT_FALSE(parse_process_ticks("no parenthesis").has_value());
}

TEST(CpuUsage, SharesOfThisMachineAndProcess) {
  const CpuSample from = sample_cpu(::getpid());
  // Keep this thread busy for ~50 ms of CPU so every figure moves.
  volatile unsigned long sink = 0;
  const double until = from.wall_s + 0.05;
  while (sample_cpu(0).wall_s < until)
    for (int i = 0; i < 10000; ++i) sink = sink + static_cast<unsigned long>(i);
  const CpuShare c = cpu_share(from, sample_cpu(::getpid()));
  ASSERT_TRUE(c.measured);
  EXPECT_GE(c.cores, 1);
  EXPECT_GT(c.client, 0.0);
  EXPECT_GE(c.broker, 0.0);  // our own pid stands in for a broker
  EXPECT_LE(c.machine, c.cores + 0.01);
  EXPECT_GE(c.steal, 0.0);
  EXPECT_LE(c.steal, c.machine);
  EXPECT_EQ(cpu_share(from, from).measured, false);  // an empty window has no figures
}

// The probe writes where the tests run (the build tree, so a real disk
// rather than tmpfs where possible) and must leave nothing there.
class DiskLatencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::current_path() / "disk_latency_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  DiskLatencyOptions options(double seconds) const {
    DiskLatencyOptions o;
    o.dir = dir_;
    o.duration_s = seconds;
    return o;
  }
  std::string dir_;
};

TEST_F(DiskLatencyTest, TimesEveryWriteAndLeavesNothingBehind) {
  DiskLatency result;
  std::string error;
  ASSERT_TRUE(measure_disk_latency(options(0.2), &result, &error)) << error;
  EXPECT_GT(result.calls.count(), 0u);
  EXPECT_GE(result.seconds, 0.2);
  EXPECT_LE(result.calls.percentile(50), result.calls.max());
  EXPECT_GE(result.slow_share(), 0.0);
  EXPECT_LE(result.slow_share(), 1.0);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(DiskLatencyTest, WithSyncToo) {
  auto o = options(0.2);
  o.sync = true;
  DiskLatency result;
  std::string error;
  ASSERT_TRUE(measure_disk_latency(o, &result, &error)) << error;
  EXPECT_GT(result.calls.count(), 0u);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(DiskLatencyTest, StallTimeSumsTheCallsOverTheThreshold) {
  auto o = options(0.2);
  o.slow_ms = 0;  // every call is "slow": the sum is all time spent in calls
  DiskLatency result;
  std::string error;
  ASSERT_TRUE(measure_disk_latency(o, &result, &error)) << error;
  EXPECT_EQ(result.slow_calls, result.calls.count());
  EXPECT_GT(result.slow_seconds, 0.0);
  EXPECT_LE(result.slow_seconds, result.seconds);
  EXPECT_NEAR(result.slow_seconds, result.calls.mean() * double(result.calls.count()) / 1e9,
              0.02 * result.slow_seconds);
  EXPECT_DOUBLE_EQ(result.late_seconds, result.slow_seconds);  // nothing to subtract at 0 ms
}

TEST_F(DiskLatencyTest, LateTimeIsWhatTheSlowCallsTookBeyondTheThreshold) {
  auto o = options(0.2);
  o.slow_ms = 0.001;  // 1 us: every real write is slower
  DiskLatency result;
  std::string error;
  ASSERT_TRUE(measure_disk_latency(o, &result, &error)) << error;
  ASSERT_EQ(result.slow_calls, result.calls.count());
  EXPECT_NEAR(result.late_seconds, result.slow_seconds - double(result.slow_calls) * 1e-6, 1e-9);
  EXPECT_LT(result.late_share(), result.slow_share());
}

TEST_F(DiskLatencyTest, RejectsBlocksDirectWritesCannotTake) {
  auto o = options(0.1);
  o.block_bytes = 1000;
  DiskLatency result;
  std::string error;
  EXPECT_FALSE(measure_disk_latency(o, &result, &error));
  EXPECT_NE(error.find("4096"), std::string::npos) << error;
}

TEST_F(DiskLatencyTest, StealProbeWritesKeepsTheCoresBusyAndLeavesNothingBehind) {
  DiskStealOptions o;
  o.dir = dir_;
  o.duration_s = 0.2;
  DiskSteal result;
  std::string error;
  ASSERT_TRUE(measure_disk_steal(o, &result, &error)) << error;
  EXPECT_GT(result.bytes, 0u);
  EXPECT_EQ(result.bytes % (1 << 20), 0u);  // whole 1 MiB blocks
  EXPECT_GE(result.write_seconds, 0.2);
  EXPECT_GE(result.cores, 1);
  for (double share : {result.idle_steal_share, result.write_steal_share}) {
    EXPECT_GE(share, 0.0);
    EXPECT_LE(share, 1.0);
  }
  EXPECT_GE(result.steal_s_per_gb(), 0.0);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST(DiskSteal, OnlyTheStealBeyondTheIdlePhaseCountsPerGbWritten) {
  DiskSteal r;
  r.cores = 2;
  r.write_seconds = 2;
  r.bytes = 1'000'000'000;  // 1 GB in 2 s
  r.idle_steal_share = 0.05;
  r.write_steal_share = 0.30;  // 0.25 of 2 cores for 2 s = 1 CPU-s
  EXPECT_NEAR(r.steal_s_per_gb(), 1.0, 1e-9);
  EXPECT_NEAR(r.mb_per_s(), 500.0, 1e-9);
  r.write_steal_share = 0.01;  // less than without writes: no cost, not a negative one
  EXPECT_EQ(r.steal_s_per_gb(), 0.0);
  r.bytes = 0;
  EXPECT_EQ(r.steal_s_per_gb(), 0.0);
}

TEST_F(DiskLatencyTest, NamesTheCallThatFailed) {
  auto o = options(0.1);
  o.dir = dir_ + "/missing";
  DiskLatency result;
  std::string error;
  EXPECT_FALSE(measure_disk_latency(o, &result, &error));
  EXPECT_EQ(error.rfind("mkstemp: ", 0), 0u) << error;
}

}  // namespace
}  // namespace fjord::bench
