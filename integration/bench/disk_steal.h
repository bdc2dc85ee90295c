#pragma once
// What the disk's writes cost this VM's CPUs beyond the guest's own work.
// On this project's VMs the host does the virtual disk's writing on the
// CPU time the VM is given, and takes it while the guest's cores are busy:
// the guest sees it as steal (/proc/stat), in no process's figure. The probe
// keeps every core busy with spinning threads, as a flat-out benchmark
// does, first without writes, then while one thread writes 1 MiB O_DIRECT
// blocks from huge-page memory (as fjord's tails do) into a fresh file, and
// reports the extra steal per GB written. A broker that writes its bytes
// pays this much on top of its own CPU; the in-memory mock pays none.

#include <cstdint>
#include <string>

namespace fjord::bench {

struct DiskStealOptions {
  std::string dir;          // where the scratch file goes (unlinked at once)
  double duration_s = 3;    // of each phase
};

struct DiskSteal {
  bool direct = false;           // false: O_DIRECT was refused (e.g. tmpfs)
  int cores = 0;                 // spinning threads, one per online CPU
  double idle_steal_share = 0;   // share of all CPU time stolen, spinning only
  double write_steal_share = 0;  // the same while writing
  double write_seconds = 0;
  std::uint64_t bytes = 0;       // written (and fdatasync'd) in the writing phase
  double mb_per_s() const { return write_seconds > 0 ? double(bytes) / 1e6 / write_seconds : 0; }
  // Steal beyond the spinning phase's, in CPU-seconds per GB written.
  double steal_s_per_gb() const;
};

// Runs both phases; on failure returns false with `error` naming the call.
bool measure_disk_steal(const DiskStealOptions& options, DiskSteal* out, std::string* error);

}  // namespace fjord::bench
