// librdkafka's admin API for configs, partitions and records (2.0.2 has AlterConfigs,
// DescribeConfigs, CreatePartitions, DeleteRecords), each checked for its effect.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <thread>

#include "rdkafka_support.h"
#include "scenarios.h"

namespace fjord_it {
namespace {

using namespace std::chrono_literals;

struct Entry {
  std::string value;
  rd_kafka_ConfigSource_t source = RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG;
  bool read_only = false;
};

// One admin call on `handle`: `submit` sends it to `queue`; the result event is returned
// (caller destroys it) after checking it is `type` with no request-level error.
template <typename Submit>
rd_kafka_event_t* admin_call(RdKafka::Handle& handle, rd_kafka_admin_op_t op, rd_kafka_event_type_t type,
                             Submit submit) {
  rd_kafka_t* rk = handle.c_ptr();
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, op);
  char err[512];
  rd_kafka_AdminOptions_set_request_timeout(options, 15000, err, sizeof err);
  submit(rk, options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 20000);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  expect(event != nullptr, "admin request got no result within 20 s");
  expect(rd_kafka_event_type(event) == type, std::string("unexpected admin event ") + rd_kafka_event_name(event));
  expect(rd_kafka_event_error(event) == RD_KAFKA_RESP_ERR_NO_ERROR,
         std::string("admin request failed: ") + rd_kafka_event_error_string(event));
  return event;
}

std::map<std::string, Entry> describe(RdKafka::Handle& handle, rd_kafka_ResourceType_t type, const std::string& name) {
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(type, name.c_str());
  rd_kafka_event_t* event = admin_call(handle, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT,
                                       [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                         rd_kafka_DescribeConfigs(rk, &resource, 1, o, q);
                                       });
  size_t count = 0;
  auto** results = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), &count);
  expect(count == 1, "DescribeConfigs: " + std::to_string(count) + " resources");
  expect(rd_kafka_ConfigResource_error(results[0]) == RD_KAFKA_RESP_ERR_NO_ERROR,
         std::string("DescribeConfigs ") + name + ": " + rd_kafka_err2str(rd_kafka_ConfigResource_error(results[0])));
  std::map<std::string, Entry> out;
  size_t n = 0;
  auto** entries = rd_kafka_ConfigResource_configs(results[0], &n);
  for (size_t i = 0; i < n; ++i) {
    const char* v = rd_kafka_ConfigEntry_value(entries[i]);
    out[rd_kafka_ConfigEntry_name(entries[i])] = {v ? v : "", rd_kafka_ConfigEntry_source(entries[i]),
                                                  rd_kafka_ConfigEntry_is_read_only(entries[i]) != 0};
  }
  rd_kafka_event_destroy(event);
  rd_kafka_ConfigResource_destroy(resource);
  return out;
}

// AlterConfigs (the whole set of overrides is replaced); the resource's error.
rd_kafka_resp_err_t alter(RdKafka::Handle& handle, const std::string& topic,
                          const std::vector<std::pair<std::string, std::string>>& configs) {
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  for (const auto& [k, v] : configs) rd_kafka_ConfigResource_set_config(resource, k.c_str(), v.c_str());
  rd_kafka_event_t* event = admin_call(handle, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT,
                                       [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                         rd_kafka_AlterConfigs(rk, &resource, 1, o, q);
                                       });
  size_t count = 0;
  auto** results = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event), &count);
  expect(count == 1, "AlterConfigs: " + std::to_string(count) + " resources");
  rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[0]);
  rd_kafka_event_destroy(event);
  rd_kafka_ConfigResource_destroy(resource);
  return err;
}

rd_kafka_resp_err_t create_partitions(RdKafka::Handle& handle, const std::string& topic, int total) {
  char err[512];
  rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(topic.c_str(), size_t(total), err, sizeof err);
  rd_kafka_event_t* event = admin_call(handle, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
                                       RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT,
                                       [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                         rd_kafka_CreatePartitions(rk, &np, 1, o, q);
                                       });
  size_t count = 0;
  auto** results = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(event), &count);
  expect(count == 1, "CreatePartitions: " + std::to_string(count) + " topics");
  rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[0]);
  rd_kafka_event_destroy(event);
  rd_kafka_NewPartitions_destroy(np);
  return e;
}

// DeleteRecords below `offset` in partition 0; returns the new low watermark.
int64_t delete_records(RdKafka::Handle& handle, const std::string& topic, int64_t offset) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = offset;
  rd_kafka_DeleteRecords_t* del = rd_kafka_DeleteRecords_new(list);
  rd_kafka_event_t* event = admin_call(handle, RD_KAFKA_ADMIN_OP_DELETERECORDS, RD_KAFKA_EVENT_DELETERECORDS_RESULT,
                                       [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                         rd_kafka_DeleteRecords(rk, &del, 1, o, q);
                                       });
  const rd_kafka_topic_partition_list_t* offsets =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event));
  expect(offsets && offsets->cnt == 1, "DeleteRecords: no partition result");
  expect(offsets->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR,
         std::string("DeleteRecords: ") + rd_kafka_err2str(offsets->elems[0].err));
  int64_t low = offsets->elems[0].offset;
  rd_kafka_event_destroy(event);
  rd_kafka_DeleteRecords_destroy(del);
  rd_kafka_topic_partition_list_destroy(list);
  return low;
}

struct Reports : RdKafka::DeliveryReportCb {
  std::vector<RdKafka::ErrorCode> errors;
  void dr_cb(RdKafka::Message& m) override { errors.push_back(m.err()); }
};

void send(RdKafka::Producer& p, Reports& reports, const std::string& topic, int partition, const std::string& value) {
  reports.errors.clear();
  auto err = p.produce(topic, partition, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()),
                       value.size(), nullptr, 0, 0, nullptr);
  expect(err == RdKafka::ERR_NO_ERROR, "produce: " + RdKafka::err2str(err));
  expect(p.flush(15000) == RdKafka::ERR_NO_ERROR, "flush timed out");
  expect(reports.errors.size() == 1, "no delivery report");
}

int64_t low_watermark(RdKafka::Handle& h, const std::string& topic) {
  int64_t low = -1, high = -1;
  auto err = h.query_watermark_offsets(topic, 0, &low, &high, 10000);
  expect(err == RdKafka::ERR_NO_ERROR, "watermarks: " + RdKafka::err2str(err));
  return low;
}

// The first offset a consumer assigned at offset 0 of partition 0 reads.
int64_t first_consumed_offset(const std::string& bootstrap, const std::string& topic) {
  auto conf = make_conf(bootstrap, {{"group.id", "rk-admin"}, {"enable.auto.commit", "false"},
                                    {"auto.offset.reset", "earliest"}});
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  expect(consumer != nullptr, "consumer: " + err);
  std::vector<RdKafka::TopicPartition*> parts{RdKafka::TopicPartition::create(topic, 0, 0)};
  consumer->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  int64_t offset = -1;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (offset < 0 && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    if (m->err() == RdKafka::ERR_NO_ERROR) offset = m->offset();
  }
  consumer->close();
  return offset;
}

}  // namespace

void admin_configs(const std::string& bootstrap) {
  Reports reports;
  auto producer = make_producer(bootstrap, {{"linger.ms", "0"}, {"message.send.max.retries", "0"}}, &reports);
  const std::string topic = "rk-configs";
  expect(create_topic(*producer, topic, 1) == RdKafka::ERR_NO_ERROR, "CreateTopics " + topic);
  for (int i = 0; i < 10; ++i) send(*producer, reports, topic, 0, "m" + std::to_string(i));

  auto configs = describe(*producer, RD_KAFKA_RESOURCE_TOPIC, topic);
  expect(configs["retention.ms"].value == "604800000" &&
             configs["retention.ms"].source == RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG,
         "retention.ms before: " + configs["retention.ms"].value);
  expect(alter(*producer, topic, {{"retention.ms", "86400000"}}) == RD_KAFKA_RESP_ERR_NO_ERROR, "AlterConfigs 1");
  // AlterConfigs replaces every override: retention.ms goes back to its default.
  expect(alter(*producer, topic, {{"max.message.bytes", "300"}}) == RD_KAFKA_RESP_ERR_NO_ERROR, "AlterConfigs 2");
  configs = describe(*producer, RD_KAFKA_RESOURCE_TOPIC, topic);
  expect(configs["max.message.bytes"].value == "300" &&
             configs["max.message.bytes"].source == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG,
         "max.message.bytes after: " + configs["max.message.bytes"].value);
  expect(configs["retention.ms"].value == "604800000", "retention.ms was not replaced");
  send(*producer, reports, topic, 0, std::string(1000, 'x'));
  expect(reports.errors[0] == RdKafka::ERR_MSG_SIZE_TOO_LARGE,
         "1000 bytes over max.message.bytes=300: " + RdKafka::err2str(reports.errors[0]));
  send(*producer, reports, topic, 0, "fits");
  expect(reports.errors[0] == RdKafka::ERR_NO_ERROR, "small message: " + RdKafka::err2str(reports.errors[0]));

  expect(create_partitions(*producer, topic, 3) == RD_KAFKA_RESP_ERR_NO_ERROR, "CreatePartitions 3");
  await_partition_count(*producer, topic, 3, 10s);
  send(*producer, reports, topic, 2, "in the new partition");
  expect(reports.errors[0] == RdKafka::ERR_NO_ERROR, "produce to partition 2: " + RdKafka::err2str(reports.errors[0]));
  expect(create_partitions(*producer, topic, 2) == RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, "fewer partitions");

  expect(delete_records(*producer, topic, 5) == 5, "DeleteRecords low watermark");
  expect(low_watermark(*producer, topic) == 5, "log start after DeleteRecords");
  expect(first_consumed_offset(bootstrap, topic) == 5, "a consumer from offset 0 starts at the new log start");

  expect(alter(*producer, topic, {{"no.such.config", "1"}}) == RD_KAFKA_RESP_ERR_INVALID_CONFIG, "unknown config");
  expect(alter(*producer, topic, {{"retention.ms", "soon"}}) == RD_KAFKA_RESP_ERR_INVALID_CONFIG, "invalid value");

  // Small segments, then a short retention: old segments go at the next check (the
  // test runs the broker with a short log.retention.check.interval.ms).
  const std::string aging = "rk-aging";
  expect(create_topic(*producer, aging, 1) == RdKafka::ERR_NO_ERROR, "CreateTopics " + aging);
  expect(alter(*producer, aging, {{"segment.bytes", "300"}}) == RD_KAFKA_RESP_ERR_NO_ERROR, "segment.bytes");
  for (int i = 0; i < 12; ++i) send(*producer, reports, aging, 0, std::string(100, 'a'));
  expect(low_watermark(*producer, aging) == 0, "nothing expired yet");
  expect(alter(*producer, aging, {{"segment.bytes", "300"}, {"retention.ms", "100"}}) == RD_KAFKA_RESP_ERR_NO_ERROR,
         "retention.ms=100");
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (low_watermark(*producer, aging) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(200ms);
  expect(low_watermark(*producer, aging) > 0, "retention did not move the log start");

  auto broker = describe(*producer, RD_KAFKA_RESOURCE_BROKER, "0");
  expect(broker["log.dirs"].read_only && broker["log.retention.ms"].source == RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG,
         "broker configs");
}

}  // namespace fjord_it
