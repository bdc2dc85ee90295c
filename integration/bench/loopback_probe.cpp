// fjord_loopback_probe: the machine's loopback TCP bandwidth, a ceiling for
// any broker on 127.0.0.1. A sender thread writes 1 MiB buffers to a
// receiver thread over one TCP connection for a fixed time.
//
// usage: fjord_loopback_probe [--duration SECONDS] [--json FILE]
// Prints one line: "loopback <MB/s> MB/s <Gbit/s> Gbit/s".

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kChunk = 1 << 20;

int fail(const char* what) {
  std::fprintf(stderr, "fjord_loopback_probe: %s: %s\n", what, std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  double duration_s = 3;
  std::string json_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--duration") duration_s = std::atof(argv[i + 1]);
    else if (flag == "--json") json_path = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: fjord_loopback_probe [--duration SECONDS] [--json FILE]\n");
      return 2;
    }
  }
  if (argc % 2 == 0 || duration_s <= 0) {
    std::fprintf(stderr, "usage: fjord_loopback_probe [--duration SECONDS] [--json FILE]\n");
    return 2;
  }

  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) return fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return fail("bind");
  if (listen(listener, 1) != 0) return fail("listen");
  if (getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return fail("getsockname");

  std::atomic<std::uint64_t> received{0};
  std::thread receiver([&] {
    const int conn = accept(listener, nullptr, nullptr);
    if (conn < 0) return;
    std::vector<char> buf(kChunk);
    while (true) {
      const ssize_t n = read(conn, buf.data(), buf.size());
      if (n <= 0) break;
      received.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    }
    close(conn);
  });

  const int sender = socket(AF_INET, SOCK_STREAM, 0);
  if (sender < 0 || connect(sender, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    shutdown(listener, SHUT_RDWR);
    receiver.join();
    return fail("connect");
  }
  std::vector<char> buf(kChunk, 'x');
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(duration_s);
  while (std::chrono::steady_clock::now() < end) {
    if (write(sender, buf.data(), buf.size()) < 0) break;
  }
  close(sender);
  receiver.join();
  close(listener);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double mb_per_s = static_cast<double>(received.load()) / seconds / 1e6;
  std::printf("loopback %.0f MB/s %.2f Gbit/s\n", mb_per_s, mb_per_s * 8 / 1000);
  if (!json_path.empty()) {
    std::ofstream out(json_path, std::ios::trunc);
    out << "{\"loopback_mb_per_s\":" << mb_per_s << ",\"seconds\":" << seconds << "}\n";
  }
  return received.load() > 0 ? 0 : 1;
}
