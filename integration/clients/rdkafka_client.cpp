// librdkafka (C++ API) client for fjord's integration tests.
// Usage: rdkafka_client <host:port> [scenario...]; scenarios: admin, admin-configs,
// codec:<name>, times, c-api, group, large, idempotent, transactional (the default list leaves the
// others to test_admin_clients.py and test_librdkafka.py's own runs).
// Exit 0 when every scenario passed.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "rdkafka_support.h"
#include "scenarios.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <host:port> [scenario...]\n", argv[0]);
    return 2;
  }
  const std::string bootstrap = argv[1];
  std::vector<std::string> scenarios(argv + 2, argv + argc);
  if (scenarios.empty()) {
    scenarios = {"admin", "codec:none", "codec:gzip", "codec:snappy", "codec:lz4",
                 "codec:zstd", "times"};
  }
  int failed = 0;
  for (const auto& name : scenarios) {
    try {
      if (name == "admin") {
        fjord_it::admin_topics(bootstrap);
      } else if (name == "admin-configs") {
        fjord_it::admin_configs(bootstrap);
      } else if (name.rfind("codec:", 0) == 0) {
        fjord_it::codec_roundtrip(bootstrap, name.substr(6));
      } else if (name == "times") {
        fjord_it::offsets_for_times(bootstrap);
      } else if (name == "c-api") {
        fjord_it::c_api_flow(bootstrap);
      } else if (name == "group") {
        fjord_it::group_consume(bootstrap);
      } else if (name == "large") {
        fjord_it::large_message(bootstrap);
      } else if (name == "idempotent") {
        fjord_it::idempotent_produce(bootstrap);
      } else if (name == "transactional") {
        fjord_it::transactional_produce(bootstrap);
      } else {
        throw fjord_it::Failure("unknown scenario");
      }
      std::printf("ok   %s\n", name.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s: %s\n", name.c_str(), e.what());
    }
    std::fflush(stdout);
  }
  std::printf("%zu passed, %d failed\n", scenarios.size() - failed, failed);
  return failed == 0 ? 0 : 1;
}
