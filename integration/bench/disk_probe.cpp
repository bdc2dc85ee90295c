// fjord_disk_probe: the disk's write latency, a floor for any ack that waits
// for the device (disk_latency.h says which writes, and why).
//
// usage: fjord_disk_probe --dir DIR [--duration S] [--block-bytes N] [--sync]
//                         [--slow-ms MS] [--json FILE]
// Prints one line: "disk latency (direct 16 KiB writes): p50 .. p99 .. p99.9 ..
// max .. ms; X% of the time in calls over 5 ms, Y% late (N of M calls)", where
// Y is the share of the time at which a new write would wait over 5 ms for
// the call in flight.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "disk_latency.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: fjord_disk_probe --dir DIR [--duration S] [--block-bytes N] [--sync] [--slow-ms MS] "
               "[--json FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  fjord::bench::DiskLatencyOptions options;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--sync") {
      options.sync = true;
      continue;
    }
    if (i + 1 >= argc) return usage();
    const char* value = argv[++i];
    if (flag == "--dir") options.dir = value;
    else if (flag == "--duration") options.duration_s = std::atof(value);
    else if (flag == "--block-bytes") options.block_bytes = std::uint32_t(std::strtoul(value, nullptr, 10));
    else if (flag == "--slow-ms") options.slow_ms = std::atof(value);
    else if (flag == "--json") json_path = value;
    else return usage();
  }
  if (options.dir.empty() || options.duration_s <= 0) return usage();

  fjord::bench::DiskLatency result;
  std::string error;
  if (!fjord::bench::measure_disk_latency(options, &result, &error)) {
    std::fprintf(stderr, "fjord_disk_probe: %s\n", error.c_str());
    return 1;
  }
  const auto& h = result.calls;
  auto ms = [](std::uint64_t ns) { return double(ns) / 1e6; };
  std::printf("disk latency (%s %u KiB writes%s): p50 %.3f p99 %.3f p99.9 %.3f max %.1f ms; "
              "%.2f%% of the time in calls over %g ms, %.2f%% late (%llu of %llu calls)\n",
              result.direct ? "direct" : "buffered", options.block_bytes / 1024, options.sync ? " + fdatasync" : "",
              ms(h.percentile(50)), ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.max()),
              100 * result.slow_share(), options.slow_ms, 100 * result.late_share(),
              static_cast<unsigned long long>(result.slow_calls),
              static_cast<unsigned long long>(h.count()));
  if (!json_path.empty()) {
    std::ofstream out(json_path, std::ios::trunc);
    out << "{\"direct\":" << (result.direct ? "true" : "false") << ",\"sync\":" << (options.sync ? "true" : "false")
        << ",\"block_bytes\":" << options.block_bytes << ",\"seconds\":" << result.seconds
        << ",\"count\":" << h.count() << ",\"p50_ns\":" << h.percentile(50) << ",\"p99_ns\":" << h.percentile(99)
        << ",\"p999_ns\":" << h.percentile(99.9) << ",\"max_ns\":" << h.max() << ",\"slow_ms\":" << options.slow_ms
        << ",\"slow_calls\":" << result.slow_calls << ",\"slow_share\":" << result.slow_share()
        << ",\"late_share\":" << result.late_share() << "}\n";
  }
  return h.count() > 0 ? 0 : 1;
}
