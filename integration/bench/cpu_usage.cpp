#include "cpu_usage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace fjord::bench {
namespace {

// Splits off the next space-separated number; false when there is none.
template <typename Int>
bool next_number(std::string_view& text, Int* out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec != std::errc() || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  return text.str();
}

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

}  // namespace

std::optional<CpuTicks> parse_proc_stat(std::string_view text) {
  if (!text.starts_with("cpu ")) return std::nullopt;
  std::string_view line = text.substr(4);
  line = line.substr(0, line.find('\n'));
  // user nice system idle iowait irq softirq steal
  unsigned long long f[8];
  for (auto& v : f)
    if (!next_number(line, &v)) return std::nullopt;
  CpuTicks t;
  t.busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
  t.steal = f[7];
  t.total = t.busy + f[3] + f[4];
  return t;
}

std::optional<unsigned long long> parse_process_ticks(std::string_view line) {
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const std::size_t paren = line.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(paren + 1);
  // The state (field 3), ppid ... cmajflt (4-13), then utime (14) and stime (15).
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return std::nullopt;
  rest.remove_prefix(1);  // the state letter
  long long v = 0;  // tty_nr and tpgid may be negative
  for (int field = 4; field <= 13; ++field)
    if (!next_number(rest, &v)) return std::nullopt;
  unsigned long long utime = 0, stime = 0;
  if (!next_number(rest, &utime) || !next_number(rest, &stime)) return std::nullopt;
  return utime + stime;
}

CpuSample sample_cpu(pid_t broker_pid) {
  CpuSample s;
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (auto t = parse_proc_stat(read_file("/proc/stat"))) {
    s.machine_ok = true;
    s.machine = *t;
  }
  rusage self{};
  if (::getrusage(RUSAGE_SELF, &self) == 0) s.client_s = seconds(self.ru_utime) + seconds(self.ru_stime);
  if (broker_pid > 0) {
    if (auto t = parse_process_ticks(read_file("/proc/" + std::to_string(broker_pid) + "/stat"))) {
      s.broker_ok = true;
      s.broker_ticks = *t;
    }
  }
  return s;
}

CpuShare cpu_share(const CpuSample& from, const CpuSample& to) {
  CpuShare c;
  c.seconds = to.wall_s - from.wall_s;
  if (!from.machine_ok || !to.machine_ok || c.seconds <= 0 || to.machine.total <= from.machine.total) return c;
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  c.measured = true;
  c.cores = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  // Machine: the busy share of all ticks, times the cores (robust to the tick rate).
  const double all = static_cast<double>(to.machine.total - from.machine.total);
  c.machine = static_cast<double>(to.machine.busy - from.machine.busy) / all * c.cores;
  c.steal = static_cast<double>(to.machine.steal - from.machine.steal) / all * c.cores;
  c.client = (to.client_s - from.client_s) / c.seconds;
  if (from.broker_ok && to.broker_ok && hz > 0)
    c.broker = static_cast<double>(to.broker_ticks - from.broker_ticks) / hz / c.seconds;
  return c;
}

}  // namespace fjord::bench
