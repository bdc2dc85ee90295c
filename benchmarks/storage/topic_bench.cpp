// Topic-level storage operations on wide topics: create_topic, opening a log
// dir that holds the topic (clean and after a crash), delete_topic.
// Arg: partition count. Data goes to $FJORD_BENCH_DIR (default
// ./storage-bench-data), removed after.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <spdlog/spdlog.h>

#include "storage/log/log_manager.h"

namespace fjord::storage {
namespace {

std::string bench_dir(const std::string& name) {
  const char* d = std::getenv("FJORD_BENCH_DIR");
  std::string dir = std::string(d ? d : "storage-bench-data") + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

StorageConfig config_for(const std::string& dir) {
  StorageConfig c;
  c.log_dirs = {dir};
  return c;
}

void BM_CreateTopic(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  std::string dir = bench_dir("create-topic");
  LogManager m(config_for(dir));
  if (m.open() != Errc::ok) state.SkipWithError("open failed");
  int n = 0;
  for (auto _ : state) {
    std::string err;
    if (m.create_topic("t" + std::to_string(n++), int32_t(state.range(0)), {}, nullptr, &err) != Errc::ok)
      state.SkipWithError(err.c_str());
    state.PauseTiming();
    m.delete_topic("t" + std::to_string(n - 1));
    state.ResumeTiming();
  }
  m.shutdown();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CreateTopic)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_DeleteTopic(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  std::string dir = bench_dir("delete-topic");
  LogManager m(config_for(dir));
  if (m.open() != Errc::ok) state.SkipWithError("open failed");
  for (auto _ : state) {
    state.PauseTiming();
    std::string err;
    if (m.create_topic("t", int32_t(state.range(0)), {}, nullptr, &err) != Errc::ok) state.SkipWithError(err.c_str());
    state.ResumeTiming();
    if (m.delete_topic("t") != Errc::ok) state.SkipWithError("delete failed");
  }
  m.shutdown();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DeleteTopic)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Arg 1: 1 = clean shutdown before reopening, 0 = crash (unclean open).
void BM_OpenLogDir(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  std::string dir = bench_dir("open-log-dir");
  {
    LogManager m(config_for(dir));
    std::string err;
    if (m.open() != Errc::ok || m.create_topic("t", int32_t(state.range(0)), {}, nullptr, &err) != Errc::ok)
      state.SkipWithError("setup failed");
    m.shutdown();
  }
  const bool clean = state.range(1) != 0;
  for (auto _ : state) {
    if (!clean) std::filesystem::remove(dir + "/.kafka_cleanshutdown");
    LogManager m(config_for(dir));
    if (m.open() != Errc::ok) state.SkipWithError("open failed");
    state.PauseTiming();
    m.shutdown();
    state.ResumeTiming();
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_OpenLogDir)->Args({1000, 1})->Args({1000, 0})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace fjord::storage

BENCHMARK_MAIN();
