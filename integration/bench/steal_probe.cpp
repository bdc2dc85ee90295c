// fjord_steal_probe: the CPU time this VM loses to the host for the disk's
// writes while its cores are busy (disk_steal.h says how it is measured).
//
// usage: fjord_steal_probe --dir DIR [--duration S] [--json FILE]
// Prints one line: "disk write steal: X CPU-s per GB written with every core
// busy (N MB/s direct; steal A% of the time writing, B% not)".

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "disk_steal.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: fjord_steal_probe --dir DIR [--duration S] [--json FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  fjord::bench::DiskStealOptions options;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return usage();
    const char* value = argv[++i];
    if (flag == "--dir") options.dir = value;
    else if (flag == "--duration") options.duration_s = std::atof(value);
    else if (flag == "--json") json_path = value;
    else return usage();
  }
  if (options.dir.empty() || options.duration_s <= 0) return usage();
  fjord::bench::DiskSteal r;
  std::string error;
  if (!fjord::bench::measure_disk_steal(options, &r, &error)) {
    std::fprintf(stderr, "fjord_steal_probe: %s\n", error.c_str());
    return 1;
  }
  std::printf("disk write steal: %.2f CPU-s per GB written with every core busy (%.0f MB/s %s; steal %.1f%% of the "
              "time writing, %.1f%% not)\n",
              r.steal_s_per_gb(), r.mb_per_s(), r.direct ? "direct" : "buffered", 100 * r.write_steal_share,
              100 * r.idle_steal_share);
  if (!json_path.empty()) {
    std::ofstream out(json_path, std::ios::trunc);
    out << "{\"direct\":" << (r.direct ? "true" : "false") << ",\"cores\":" << r.cores
        << ",\"seconds\":" << r.write_seconds << ",\"bytes\":" << r.bytes << ",\"mb_per_s\":" << r.mb_per_s()
        << ",\"idle_steal_share\":" << r.idle_steal_share << ",\"write_steal_share\":" << r.write_steal_share
        << ",\"steal_s_per_gb\":" << r.steal_s_per_gb() << "}\n";
  }
  return 0;
}
