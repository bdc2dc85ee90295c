// librdkafka's C API on its own (rdkafka.h; the other scenarios use the C++ wrapper):
// rd_kafka_producev with keys and headers, then a subscribed consumer that commits with
// rd_kafka_commit, and a second consumer of the group that resumes at the commits.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>

#include "rdkafka_support.h"
#include "scenarios.h"

namespace fjord_it {
namespace {

const char* kTopic = "rk-c-api";
const char* kGroup = "rk-c-api";
constexpr int kCount = 300;

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

Handle make_handle(rd_kafka_type_t type, const std::string& bootstrap, const Settings& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  Settings all{{"bootstrap.servers", bootstrap}};
  all.insert(all.end(), settings.begin(), settings.end());
  for (const auto& [key, value] : all) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw Failure("config " + key + ": " + err);
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);  // owns conf from here on
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw Failure(std::string("rd_kafka_new: ") + err);
  }
  return Handle(rk);
}

// CreateTopics through rd_kafka_CreateTopics.
void create_topic(rd_kafka_t* rk, int partitions) {
  char err[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(kTopic, partitions, 1, err, sizeof err);
  expect(topic != nullptr, std::string("rd_kafka_NewTopic_new: ") + err);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &topic, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 20000);
  std::string failure;
  if (event == nullptr || rd_kafka_event_type(event) != RD_KAFKA_EVENT_CREATETOPICS_RESULT) {
    failure = "no CreateTopics result within 20 s";
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    if (count != 1 || rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR)
      failure = std::string("CreateTopics: ") + (count ? rd_kafka_err2str(rd_kafka_topic_result_error(results[0])) : "no result");
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(topic);
  expect(failure.empty(), failure);
}

// A subscribed consumer of kGroup reads `wanted` records, committing each synchronously;
// returns their values in the order read.
std::vector<std::string> consume_and_commit(const std::string& bootstrap, int wanted) {
  Handle rk = make_handle(RD_KAFKA_CONSUMER, bootstrap,
                          {{"group.id", kGroup}, {"auto.offset.reset", "earliest"},
                           {"enable.auto.commit", "false"}, {"fetch.wait.max.ms", "100"}});
  rd_kafka_poll_set_consumer(rk.get());
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, kTopic, RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  expect(err == RD_KAFKA_RESP_ERR_NO_ERROR, std::string("rd_kafka_subscribe: ") + rd_kafka_err2str(err));
  std::vector<std::string> values;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (static_cast<int>(values.size()) < wanted) {
    expect(std::chrono::steady_clock::now() < deadline, "read only " + std::to_string(values.size()));
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      values.emplace_back(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* headers = nullptr;
      const void* seq = nullptr;
      size_t seq_size = 0;
      bool has_header = rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                        rd_kafka_header_get_last(headers, "seq", &seq, &seq_size) == RD_KAFKA_RESP_ERR_NO_ERROR;
      std::string expected = values.back().substr(1);  // "v<n>" carries header seq=<n>
      if (!has_header || std::string(static_cast<const char*>(seq), seq_size) != expected) {
        rd_kafka_message_destroy(m);
        throw Failure("header seq missing or wrong on " + values.back());
      }
      err = rd_kafka_commit_message(rk.get(), m, 0);
      rd_kafka_message_destroy(m);
      expect(err == RD_KAFKA_RESP_ERR_NO_ERROR, std::string("rd_kafka_commit_message: ") + rd_kafka_err2str(err));
    } else {
      std::string what = rd_kafka_message_errstr(m);
      bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
      rd_kafka_message_destroy(m);
      expect(eof, "consumer error: " + what);
    }
  }
  rd_kafka_consumer_close(rk.get());  // leaves the group
  return values;
}

}  // namespace

void c_api_flow(const std::string& bootstrap) {
  Handle producer = make_handle(RD_KAFKA_PRODUCER, bootstrap, {{"acks", "all"}, {"linger.ms", "5"}});
  create_topic(producer.get(), 2);
  for (int i = 0; i < kCount; ++i) {
    std::string key = "k" + std::to_string(i % 11), value = "v" + std::to_string(i), seq = std::to_string(i);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer.get(), RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_PARTITION(i % 2),
        RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(value.data(), value.size()),
        RD_KAFKA_V_HEADER("seq", seq.data(), static_cast<ssize_t>(seq.size())),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    expect(err == RD_KAFKA_RESP_ERR_NO_ERROR, std::string("rd_kafka_producev: ") + rd_kafka_err2str(err));
    rd_kafka_poll(producer.get(), 0);
  }
  expect(rd_kafka_flush(producer.get(), 30000) == RD_KAFKA_RESP_ERR_NO_ERROR, "rd_kafka_flush");

  auto first = consume_and_commit(bootstrap, 120);
  auto second = consume_and_commit(bootstrap, kCount - 120);
  std::vector<bool> seen(kCount, false);
  for (const auto* part : {&first, &second}) {
    for (const auto& v : *part) {
      int n = std::stoi(v.substr(1));
      expect(!seen[n], v + " read twice: the second consumer did not resume at the commits");
      seen[n] = true;
    }
  }
  for (int i = 0; i < kCount; ++i) expect(seen[i], "v" + std::to_string(i) + " was never read");
}

}  // namespace fjord_it
