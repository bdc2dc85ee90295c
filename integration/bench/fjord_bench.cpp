// fjord_bench: produce/consume throughput and end-to-end latency of one
// configuration against a Kafka-compatible broker, optionally side by side
// with librdkafka's mock cluster (fjord_mock_peer). Prints one line; exits
// non-zero when any record failed or went missing.

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "bench_options.h"
#include "result_report.h"
#include "target_run.h"

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

void on_signal(int) { g_stop.store(true); }

}  // namespace

int main(int argc, char** argv) {
  using namespace fjord::bench;
  // librdkafka allocates every record it is handed and frees it on delivery, so each
  // producer thread's malloc arena grows and shrinks by the records in flight many times a
  // second. glibc gives the top of an arena back to the kernel whenever more than its top
  // pad (128 KiB) is free, and touches fresh pages when it grows again: with 4 producers
  // that churn (sysmalloc, mprotect, page faults) took half the machine's CPU on a VM where
  // a page fault is expensive, and the client, not the broker, set the figures. Keeping
  // 64 MiB at the top of each arena is what a tuned producer does; it applies to every
  // target alike (docs/performance.md, "Method").
  mallopt(M_TOP_PAD, 64 << 20);
  BenchOptions options;
  try {
    if (!parse_options(argc, argv, options)) return 0;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "fjord_bench: %s\n", e.what());
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const TargetResult target = run_target(options, options.target_name, options.brokers, options.broker_pid, false, g_stop);
  TargetResult reference;
  const bool with_reference = !options.mock_brokers.empty() && !g_stop.load();
  if (with_reference) reference = run_target(options, "mock", options.mock_brokers, options.mock_pid, true, g_stop);
  const TargetResult* ref = with_reference ? &reference : nullptr;

  std::printf("%s\n", summary_line(options, target, ref).c_str());
  std::fflush(stdout);
  if (!options.json_path.empty()) {
    std::ofstream out(options.json_path, std::ios::trunc);
    out << json_document(options, target, ref);
    if (!out) {
      std::fprintf(stderr, "fjord_bench: cannot write %s\n", options.json_path.c_str());
      return 1;
    }
  }
  return target.ok() && (ref == nullptr || ref->ok()) ? 0 : 1;
}
