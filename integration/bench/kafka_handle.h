#pragma once
// Owning wrappers around librdkafka handles and a config builder that
// collects the first error instead of throwing.

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fjord::bench {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using KafkaPtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, KafkaDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, KafkaDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, KafkaDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, KafkaDeleter>;

class KafkaConfig {
 public:
  KafkaConfig() : conf_(rd_kafka_conf_new()) {}
  ~KafkaConfig() {
    if (conf_ != nullptr) rd_kafka_conf_destroy(conf_);
  }
  KafkaConfig(const KafkaConfig&) = delete;
  KafkaConfig& operator=(const KafkaConfig&) = delete;

  KafkaConfig& set(const std::string& key, const std::string& value);
  rd_kafka_conf_t* raw() { return conf_; }
  const std::string& error() const { return error_; }

  // Creates the client; on failure returns null and fills `error`.
  // The config is consumed on success.
  KafkaPtr create(rd_kafka_type_t type, std::string& error);

 private:
  rd_kafka_conf_t* conf_;
  std::string error_;
};

}  // namespace fjord::bench
