#include "topic_setup.h"

#include <chrono>
#include <thread>

#include "kafka_handle.h"

namespace fjord::bench {
namespace {

constexpr int kTimeoutMs = 10000;

KafkaPtr admin_client(const std::string& brokers, std::string& error) {
  KafkaConfig conf;
  conf.set("bootstrap.servers", brokers)
      .set("allow.auto.create.topics", "false")  // a probe must not create a 1-partition topic
      .set("log_level", "3");
  return conf.create(RD_KAFKA_PRODUCER, error);
}

// Partition count with a leader each; -1 when the topic is unknown.
int ready_partitions(rd_kafka_t* rk, const std::string& topic, std::string& error) {
  TopicPtr rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt.get(), &md, kTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    error = std::string("metadata: ") + rd_kafka_err2str(err);
    return -1;
  }
  int ready = -1;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic& t = md->topics[i];
    if (topic != t.topic || t.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    ready = 0;
    for (int p = 0; p < t.partition_cnt; ++p)
      if (t.partitions[p].err == RD_KAFKA_RESP_ERR_NO_ERROR && t.partitions[p].leader >= 0) ++ready;
  }
  rd_kafka_metadata_destroy(md);
  return ready;
}

std::string create_topic(rd_kafka_t* rk, const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  if (nt == nullptr) return std::string("NewTopic: ") + err;
  QueuePtr queue(rd_kafka_queue_new(rk));
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, queue.get());
  rd_kafka_NewTopic_destroy(nt);
  EventPtr ev(rd_kafka_queue_poll(queue.get(), kTimeoutMs * 3));
  if (!ev) return "CreateTopics: no answer within 30 s";
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return std::string("CreateTopics: ") + rd_kafka_event_error_string(ev.get());
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev.get());
  if (res == nullptr) return "CreateTopics: unexpected event";
  std::size_t cnt = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &cnt);
  for (std::size_t i = 0; i < cnt; ++i) {
    const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      return std::string("CreateTopics ") + topic + ": " + rd_kafka_err2name(e) + " " + (msg ? msg : "");
    }
  }
  return {};
}

}  // namespace

std::string ensure_topic(const std::string& brokers, const std::string& topic, int partitions) {
  std::string error;
  KafkaPtr rk = admin_client(brokers, error);
  if (!rk) return error;
  int ready = ready_partitions(rk.get(), topic, error);
  if (!error.empty()) return error;
  if (ready < 0) {
    error = create_topic(rk.get(), topic, partitions);
    if (!error.empty()) return error;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    ready = ready_partitions(rk.get(), topic, error);
    if (!error.empty()) return error;
    if (ready == partitions) return {};
    if (ready > partitions)
      return "topic " + topic + " already exists with " + std::to_string(ready) +
             " partitions, wanted " + std::to_string(partitions);
    if (std::chrono::steady_clock::now() > deadline)
      return "topic " + topic + ": " + std::to_string(ready < 0 ? 0 : ready) + " of " +
             std::to_string(partitions) + " partitions have a leader after 30 s";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string end_offsets(const std::string& brokers, const std::string& topic, int partitions,
                        std::vector<std::int64_t>& out) {
  std::string error;
  KafkaPtr rk = admin_client(brokers, error);
  if (!rk) return error;
  PartitionListPtr list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_END;
  // A timestamp of -1 asks ListOffsets for the latest offset of each partition.
  const rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk.get(), list.get(), kTimeoutMs * 3);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("ListOffsets: ") + rd_kafka_err2str(err);
  out.assign(static_cast<std::size_t>(partitions), -1);
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = list->elems[i];
    if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return "ListOffsets partition " + std::to_string(tp.partition) + ": " + rd_kafka_err2str(tp.err);
    if (tp.partition < 0 || tp.partition >= partitions || tp.offset < 0)
      return "ListOffsets partition " + std::to_string(tp.partition) + ": bad offset " +
             std::to_string(tp.offset);
    out[static_cast<std::size_t>(tp.partition)] = tp.offset;
  }
  return {};
}

}  // namespace fjord::bench
