#include "disk_latency.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "scratch_file.h"

namespace fjord::bench {
namespace {

// fjord raises a segment's length 8 MiB ahead of its direct writes (a write
// past the end costs ext4 a journal update), and a segment is at most 1 GiB
// by default: the probe does the same, starting a fresh file at 256 MiB so a
// long run does not fill the disk.
constexpr std::uint64_t kGrowStep = 8 << 20;
constexpr std::uint64_t kFileBytes = 256 << 20;

bool fail(std::string* error, const char* call) {
  *error = std::string(call) + ": " + std::strerror(errno);
  return false;
}

}  // namespace

bool measure_disk_latency(const DiskLatencyOptions& options, DiskLatency* out, std::string* error) {
  if (options.block_bytes == 0 || options.block_bytes % 4096 != 0 || kFileBytes % options.block_bytes != 0) {
    *error = "block size must be a multiple of 4096 that divides 256 MiB";
    return false;
  }
  const int fd = open_scratch_file(options.dir, "fjord-disk-probe", &out->direct, error);
  if (fd < 0) return false;

  void* raw = nullptr;
  if (posix_memalign(&raw, 4096, options.block_bytes) != 0) {
    close(fd);
    *error = "posix_memalign failed";
    return false;
  }
  std::unique_ptr<void, decltype(&std::free)> block(raw, &std::free);
  std::memset(raw, 'f', options.block_bytes);

  using Clock = std::chrono::steady_clock;
  const auto slow = std::chrono::duration<double, std::milli>(options.slow_ms);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(options.duration_s);
  std::uint64_t pos = 0, length = 0;
  bool ok = true;
  while (Clock::now() < end) {
    if (pos == kFileBytes) {  // a fresh file, as after a segment roll
      pos = length = 0;
      if (ftruncate(fd, 0) != 0) {
        ok = fail(error, "ftruncate");
        break;
      }
    }
    if (pos + options.block_bytes > length && ftruncate(fd, off_t(length += kGrowStep)) != 0) {
      ok = fail(error, "ftruncate");
      break;
    }
    const auto t0 = Clock::now();
    const ssize_t n = pwrite(fd, raw, options.block_bytes, off_t(pos));
    if (n < 0) {
      ok = fail(error, "pwrite");
      break;
    }
    if (n != ssize_t(options.block_bytes)) {
      *error = "pwrite: short write";
      ok = false;
      break;
    }
    if (options.sync && fdatasync(fd) != 0) {
      ok = fail(error, "fdatasync");
      break;
    }
    const auto took = Clock::now() - t0;
    out->calls.record(std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count()));
    if (took > slow) {
      out->slow_seconds += std::chrono::duration<double>(took).count();
      out->late_seconds += std::chrono::duration<double>(took - slow).count();
      ++out->slow_calls;
    }
    pos += options.block_bytes;
  }
  out->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  close(fd);
  return ok;
}

}  // namespace fjord::bench
