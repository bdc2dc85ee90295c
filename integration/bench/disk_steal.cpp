#include "disk_steal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "cpu_usage.h"
#include "scratch_file.h"

namespace fjord::bench {
namespace {

constexpr std::size_t kBlock = 1 << 20;
constexpr std::size_t kHuge = 2 << 20;
constexpr std::uint64_t kFileBytes = 1ull << 30;

bool fail(std::string* error, const char* call) {
  *error = std::string(call) + ": " + std::strerror(errno);
  return false;
}

double stolen_share(const CpuTicks& from, const CpuTicks& to) {
  return to.total > from.total ? double(to.steal - from.steal) / double(to.total - from.total) : 0;
}

}  // namespace

double DiskSteal::steal_s_per_gb() const {
  if (bytes == 0) return 0;
  const double extra = (write_steal_share - idle_steal_share) * cores * write_seconds;
  return (extra > 0 ? extra : 0) / (double(bytes) / 1e9);
}

bool measure_disk_steal(const DiskStealOptions& options, DiskSteal* out, std::string* error) {
  using Clock = std::chrono::steady_clock;
  const auto phase = std::chrono::duration<double>(options.duration_s);

  // 4 MiB mapped so that a 2 MiB-aligned huge page lies inside it: each
  // 1 MiB write is then one physically contiguous piece.
  void* map = mmap(nullptr, 2 * kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return fail(error, "mmap");
  auto* block = reinterpret_cast<std::uint8_t*>((reinterpret_cast<std::uintptr_t>(map) + kHuge - 1) & ~(kHuge - 1));
  madvise(block, kHuge, MADV_HUGEPAGE);  // a hint: 4 KiB pages cost the host more, not the probe its figure
  std::memset(block, 's', kBlock);

  // Its length is raised ahead (as fjord's segments are), so no write extends it.
  const int fd = open_scratch_file(options.dir, "fjord-steal-probe", &out->direct, error);
  if (fd < 0 || ftruncate(fd, off_t(kFileBytes)) != 0) {
    if (fd >= 0) {
      fail(error, "ftruncate");
      close(fd);
    }
    munmap(map, 2 * kHuge);
    return false;
  }

  std::atomic<bool> stop{false};
  std::vector<std::thread> spinners;
  out->cores = int(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  for (int i = 0; i < out->cores; ++i)
    spinners.emplace_back([&stop] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });

  bool ok = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // every spinner running
  const CpuSample t0 = sample_cpu(0);
  std::this_thread::sleep_for(phase);
  const CpuSample t1 = sample_cpu(0);
  const auto start = Clock::now();
  std::uint64_t pos = 0;
  while (ok && Clock::now() - start < phase) {
    if (pos == kFileBytes) {  // start over, so a long run does not fill the disk
      pos = 0;
      if (ftruncate(fd, 0) != 0 || ftruncate(fd, off_t(kFileBytes)) != 0) ok = fail(error, "ftruncate");
      continue;
    }
    const ssize_t n = pwrite(fd, block, kBlock, off_t(pos));
    if (n < 0) {
      ok = fail(error, "pwrite");
    } else if (n != ssize_t(kBlock)) {
      *error = "pwrite: short write";
      ok = false;
    } else {
      pos += kBlock;
      out->bytes += kBlock;
    }
  }
  if (ok && fdatasync(fd) != 0) ok = fail(error, "fdatasync");  // the writes' cost includes reaching the device
  out->write_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const CpuSample t2 = sample_cpu(0);
  stop = true;
  for (auto& t : spinners) t.join();
  close(fd);
  munmap(map, 2 * kHuge);
  if (!ok) return false;
  if (!t0.machine_ok || !t1.machine_ok || !t2.machine_ok) {
    *error = "/proc/stat unreadable";
    return false;
  }
  out->idle_steal_share = stolen_share(t0.machine, t1.machine);
  out->write_steal_share = stolen_share(t1.machine, t2.machine);
  return true;
}

}  // namespace fjord::bench
