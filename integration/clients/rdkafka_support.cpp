#include "rdkafka_support.h"

#include <librdkafka/rdkafka.h>

#include <thread>

namespace fjord_it {

std::unique_ptr<RdKafka::Conf> make_conf(const std::string& bootstrap, const Settings& settings) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  Settings all{{"bootstrap.servers", bootstrap}, {"socket.timeout.ms", "10000"}};
  all.insert(all.end(), settings.begin(), settings.end());
  for (const auto& [key, value] : all) {
    expect(conf->set(key, value, err) == RdKafka::Conf::CONF_OK,
           "config " + key + "=" + value + ": " + err);
  }
  return conf;
}

std::unique_ptr<RdKafka::Producer> make_producer(const std::string& bootstrap,
                                                 const Settings& settings,
                                                 RdKafka::DeliveryReportCb* reports) {
  auto conf = make_conf(bootstrap, settings);
  std::string err;
  if (reports != nullptr) {
    expect(conf->set("dr_cb", reports, err) == RdKafka::Conf::CONF_OK, "dr_cb: " + err);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  expect(producer != nullptr, "producer: " + err);
  return producer;
}

namespace {

// Runs one admin request and returns the first topic result's error.
template <typename Submit, typename Topics>
RdKafka::ErrorCode run_admin(RdKafka::Handle& handle, rd_kafka_admin_op_t op,
                             rd_kafka_event_type_t result_type, Submit submit, Topics topics) {
  rd_kafka_t* rk = handle.c_ptr();
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, op);
  char err[512];
  rd_kafka_AdminOptions_set_operation_timeout(options, 10000, err, sizeof err);
  rd_kafka_AdminOptions_set_request_timeout(options, 15000, err, sizeof err);
  submit(rk, options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 20000);
  RdKafka::ErrorCode result = RdKafka::ERR__TIMED_OUT;
  std::string failure;
  if (event == nullptr) {
    failure = "admin request got no result within 20 s";
  } else if (rd_kafka_event_type(event) != result_type) {
    failure = std::string("unexpected admin event ") + rd_kafka_event_name(event);
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = std::string("admin request failed: ") + rd_kafka_event_error_string(event);
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results = topics(event, &count);
    if (count != 1) {
      failure = "admin result has " + std::to_string(count) + " topics, expected 1";
    } else {
      result = static_cast<RdKafka::ErrorCode>(rd_kafka_topic_result_error(results[0]));
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  expect(failure.empty(), failure);
  return result;
}

}  // namespace

RdKafka::ErrorCode create_topic(RdKafka::Handle& handle, const std::string& name,
                                int partitions) {
  char err[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, 1, err, sizeof err);
  expect(topic != nullptr, "NewTopic " + name + ": " + err);
  auto code = run_admin(
      handle, RD_KAFKA_ADMIN_OP_CREATETOPICS, RD_KAFKA_EVENT_CREATETOPICS_RESULT,
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
        rd_kafka_CreateTopics(rk, &topic, 1, options, queue);
      },
      [](rd_kafka_event_t* event, size_t* count) {
        return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event),
                                                   count);
      });
  rd_kafka_NewTopic_destroy(topic);
  return code;
}

RdKafka::ErrorCode delete_topic(RdKafka::Handle& handle, const std::string& name) {
  rd_kafka_DeleteTopic_t* topic = rd_kafka_DeleteTopic_new(name.c_str());
  auto code = run_admin(
      handle, RD_KAFKA_ADMIN_OP_DELETETOPICS, RD_KAFKA_EVENT_DELETETOPICS_RESULT,
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
        rd_kafka_DeleteTopics(rk, &topic, 1, options, queue);
      },
      [](rd_kafka_event_t* event, size_t* count) {
        return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event),
                                                   count);
      });
  rd_kafka_DeleteTopic_destroy(topic);
  return code;
}

int partition_count(RdKafka::Handle& handle, const std::string& topic) {
  RdKafka::Metadata* raw = nullptr;
  auto err = handle.metadata(true, nullptr, &raw, 10000);
  expect(err == RdKafka::ERR_NO_ERROR, "Metadata: " + RdKafka::err2str(err));
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  for (const auto* t : *metadata->topics()) {
    if (t->topic() != topic) continue;
    if (t->err() != RdKafka::ERR_NO_ERROR) return -1;
    for (const auto* p : *t->partitions()) {
      expect(p->err() == RdKafka::ERR_NO_ERROR, topic + ": partition error " +
                                                    RdKafka::err2str(p->err()));
      expect(p->leader() == metadata->orig_broker_id(),
             topic + ": partition leader is not the broker");
    }
    return static_cast<int>(t->partitions()->size());
  }
  return -1;
}

void await_partition_count(RdKafka::Handle& handle, const std::string& topic, int expected,
                           std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int seen = partition_count(handle, topic);
  while (seen != expected) {
    expect(std::chrono::steady_clock::now() < deadline,
           "Metadata for " + topic + ": " + std::to_string(seen) + " partitions, expected " +
               std::to_string(expected));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    seen = partition_count(handle, topic);
  }
}

}  // namespace fjord_it
