// fjord_mock_peer: librdkafka's in-memory mock cluster as a stand-alone
// process, the reference the benchmark compares fjord against. Prints
// "bootstrap <host:port,...>" once ready and runs until SIGTERM or SIGINT.
//
// usage: fjord_mock_peer [--brokers N] [--topic NAME:PARTITIONS]...
// The mock has no CreateTopics, so topics the bench needs are made here.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct TopicSpec {
  std::string name;
  int partitions;
};

bool parse_topic(const std::string& arg, TopicSpec& out) {
  const auto colon = arg.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  char* end = nullptr;
  const long n = std::strtol(arg.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || n < 1 || n > 100000) return false;
  out = {arg.substr(0, colon), static_cast<int>(n)};
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int broker_count = 1;
  std::vector<TopicSpec> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "fjord_mock_peer: %s needs a value\n", flag.c_str());
      return 2;
    }
    const std::string value = argv[++i];
    TopicSpec spec;
    if (flag == "--brokers") {
      broker_count = std::atoi(value.c_str());
      if (broker_count < 1 || broker_count > 16) {
        std::fprintf(stderr, "fjord_mock_peer: --brokers in [1, 16]\n");
        return 2;
      }
    } else if (flag == "--topic" && parse_topic(value, spec)) {
      topics.push_back(spec);
    } else {
      std::fprintf(stderr, "usage: fjord_mock_peer [--brokers N] [--topic NAME:PARTITIONS]...\n");
      return 2;
    }
  }

  // Block the stop signals before librdkafka starts threads so they inherit
  // the mask and sigwait() below is the only receiver.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "fjord_mock_peer: rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, broker_count);
  if (cluster == nullptr) {
    std::fprintf(stderr, "fjord_mock_peer: rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  for (const TopicSpec& t : topics) {
    const rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(cluster, t.name.c_str(), t.partitions, 1);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "fjord_mock_peer: topic %s: %s\n", t.name.c_str(), rd_kafka_err2str(e));
      rd_kafka_mock_cluster_destroy(cluster);
      rd_kafka_destroy(rk);
      return 1;
    }
  }
  std::printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}
