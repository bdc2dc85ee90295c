#pragma once
// Where the machine's CPU went during a measured window: the whole machine
// (/proc/stat), this client process (getrusage) and, given its pid, the
// broker (/proc/PID/stat). Why: on a 2-core machine the client, the broker
// and the consumers share the cores, and a latency figure taken with the
// cores saturated says more about the machine than the broker.

#include <optional>
#include <string_view>
#include <sys/types.h>

namespace fjord::bench {

struct CpuTicks {
  unsigned long long busy = 0;   // user + nice + system + irq + softirq + steal
  unsigned long long steal = 0;  // time the hypervisor ran something else instead of this VM
  unsigned long long total = 0;  // busy + idle + iowait
};

// The aggregate "cpu " line of /proc/stat text; nullopt when missing or malformed.
std::optional<CpuTicks> parse_proc_stat(std::string_view text);
// utime + stime (clock ticks) of a /proc/PID/stat line; nullopt when malformed.
std::optional<unsigned long long> parse_process_ticks(std::string_view line);

struct CpuSample {
  bool machine_ok = false;
  CpuTicks machine;
  double client_s = 0;  // this process, every thread
  bool broker_ok = false;
  unsigned long long broker_ticks = 0;
  double wall_s = 0;
};

// broker_pid 0: no broker figure.
CpuSample sample_cpu(pid_t broker_pid);

// Cores kept busy over the window between two samples (CPU-seconds / wall seconds).
struct CpuShare {
  bool measured = false;   // the machine's figures were readable
  double seconds = 0;      // wall time of the window
  int cores = 0;           // online CPUs
  double machine = 0;      // every process and the kernel
  double client = 0;       // this bench process: producers and consumers
  double broker = -1;      // the broker process; -1 when not known
  // Cores' worth of time the hypervisor took from this VM (part of
  // `machine`, in no process's figure). Why: on this project's VMs the host's
  // work for the virtual disk's writes shows up here (docs/performance.md,
  // "The disk's writes are paid in steal").
  double steal = 0;
};

CpuShare cpu_share(const CpuSample& from, const CpuSample& to);

}  // namespace fjord::bench
