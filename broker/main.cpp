// fjord entry point: `fjord server.properties [--override key=value ...]`,
// like kafka-server-start.sh. SIGTERM/SIGINT trigger a clean shutdown.
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <spdlog/cfg/helpers.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "broker/config/server_config.h"
#include "broker/server/broker.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: fjord server.properties [--override key=value ...]\n");
  return 2;
}

void setup_logging() {
  auto logger = spdlog::stdout_logger_mt("fjord");
  logger->set_pattern("[%Y-%m-%d %H:%M:%S,%e] %^%l%$ %v");
  spdlog::set_default_logger(logger);
  // Integration tests read the "listening on" line from a pipe.
  spdlog::flush_on(spdlog::level::info);
}

// Request frames (up to a few MiB each) are malloc'd and freed per request.
// By default glibc serves such sizes with mmap or trims its heaps right
// after, so every request faulted in fresh pages again (5-8% of the broker's
// CPU in durable mode, perf); keep them in the heap for reuse instead.
void keep_request_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

// Every partition keeps four files open (log, two indexes, the O_DIRECT
// writer), so the usual soft limit of 1024 runs out near 250 partitions.
// Take the hard limit, as the JVM does for Kafka (MaxFDLimit).
void raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  const rlim_t before = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max;
  if (lim.rlim_max == RLIM_INFINITY) lim.rlim_cur = 1 << 20;  // fs.nr_open's default
  if (::setrlimit(RLIMIT_NOFILE, &lim) == 0)
    spdlog::info("open-file limit raised from {} to {}", before, lim.rlim_cur);
  else
    spdlog::warn("open-file limit stays at {} (raising it to {} failed)", before, lim.rlim_cur);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string path = argv[1];
  std::vector<std::string> overrides;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--override" && i + 1 < argc) overrides.push_back(argv[++i]);
    else if (a.rfind("--override=", 0) == 0) overrides.push_back(a.substr(11));
    else return usage();
  }
  setup_logging();
  keep_request_memory();
  raise_open_file_limit();

  auto result = fjord::broker::load_server_config(path, overrides);
  for (const auto& w : result.warnings) spdlog::warn("config: {}", w);
  if (!result.config) {
    spdlog::critical("config error: {}", result.error);
    return 1;
  }
  spdlog::cfg::helpers::load_levels(result.config->log_level);

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  fjord::broker::Broker broker(*result.config);
  try {
    broker.start();
  } catch (const std::exception& e) {
    spdlog::critical("start-up failed: {}", e.what());
    broker.shutdown();
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received signal {}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  broker.shutdown();
  spdlog::info("fjord stopped");
  return 0;
}
