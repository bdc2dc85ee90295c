// Producer flows beyond plain produce: a 1 MiB message, the idempotent producer, and
// transactions (one committed, one aborted) read back with isolation.level=read_committed.
#include <chrono>

#include "rdkafka_support.h"
#include "scenarios.h"

namespace fjord_it {
namespace {

class Failures : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& report) override {
    if (report.err() != RdKafka::ERR_NO_ERROR) {
      ++failed;
      last_error = report.errstr();
    }
  }
  int failed = 0;
  std::string last_error;
};

void send(RdKafka::Producer& producer, const std::string& topic, const std::string& key,
          const std::string& value) {
  auto err = producer.produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()),
                              value.size(), key.data(), key.size(), 0, nullptr);
  expect(err == RdKafka::ERR_NO_ERROR, topic + ": produce: " + RdKafka::err2str(err));
  producer.poll(0);
}

// Partition 0 of `topic` from the beginning to its end, with the given consumer settings.
std::vector<std::string> read_values(const std::string& bootstrap, const std::string& topic,
                                     const Settings& settings) {
  Settings all{{"group.id", "rk-reader"}, {"enable.auto.commit", "false"}, {"enable.partition.eof", "true"},
               {"fetch.wait.max.ms", "100"}};
  all.insert(all.end(), settings.begin(), settings.end());
  auto conf = make_conf(bootstrap, all);
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  expect(consumer != nullptr, "KafkaConsumer: " + err);
  std::unique_ptr<RdKafka::TopicPartition> tp(
      RdKafka::TopicPartition::create(topic, 0, RdKafka::Topic::OFFSET_BEGINNING));
  expect(consumer->assign({tp.get()}) == RdKafka::ERR_NO_ERROR, "assign");
  std::vector<std::string> values;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    expect(std::chrono::steady_clock::now() < deadline, topic + ": no end of partition within 30 s");
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(200));
    if (msg->err() == RdKafka::ERR__PARTITION_EOF) break;
    if (msg->err() == RdKafka::ERR__TIMED_OUT) continue;
    expect(msg->err() == RdKafka::ERR_NO_ERROR, topic + ": consume: " + msg->errstr());
    values.emplace_back(static_cast<const char*>(msg->payload()), msg->len());
  }
  consumer->close();
  return values;
}

void expect_ok(RdKafka::Error* error, const std::string& what) {
  if (error == nullptr) return;
  std::string text = what + ": " + error->str();
  delete error;
  throw Failure(text);
}

}  // namespace

void large_message(const std::string& bootstrap) {
  const std::string topic = "rk-large";
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + (i * 7) % 26);
  Failures failures;
  auto producer = make_producer(bootstrap, {{"message.max.bytes", "2000000"}}, &failures);
  expect(create_topic(*producer, topic, 1) == RdKafka::ERR_NO_ERROR, "CreateTopics " + topic);
  send(*producer, topic, "small", "before");
  send(*producer, topic, "big", big);
  send(*producer, topic, "small", "after");
  producer->flush(30000);
  expect(failures.failed == 0, "delivery failed: " + failures.last_error);
  auto values = read_values(bootstrap, topic, {});
  expect(values.size() == 3 && values[0] == "before" && values[1] == big && values[2] == "after",
         "read back " + std::to_string(values.size()) + " records, or different bytes");
}

void idempotent_produce(const std::string& bootstrap) {
  const std::string topic = "rk-idempotent";
  Failures failures;
  auto producer = make_producer(bootstrap, {{"enable.idempotence", "true"}, {"linger.ms", "5"}}, &failures);
  expect(create_topic(*producer, topic, 1) == RdKafka::ERR_NO_ERROR, "CreateTopics " + topic);
  for (int i = 0; i < 1000; ++i) send(*producer, topic, "k" + std::to_string(i % 10), "v" + std::to_string(i));
  producer->flush(30000);
  expect(failures.failed == 0, "delivery failed: " + failures.last_error);
  auto values = read_values(bootstrap, topic, {});
  expect(values.size() == 1000, "read back " + std::to_string(values.size()) + " of 1000");
  for (int i = 0; i < 1000; ++i) expect(values[i] == "v" + std::to_string(i), "out of order at " + std::to_string(i));
}

void transactional_produce(const std::string& bootstrap) {
  const std::string topic = "rk-transactional";
  Failures failures;
  auto producer = make_producer(bootstrap, {{"transactional.id", "rk-tx"}}, &failures);
  expect(create_topic(*producer, topic, 1) == RdKafka::ERR_NO_ERROR, "CreateTopics " + topic);
  expect_ok(producer->init_transactions(20000), "init_transactions");
  expect_ok(producer->begin_transaction(), "begin_transaction");
  for (int i = 0; i < 100; ++i) send(*producer, topic, "k", "committed-" + std::to_string(i));
  expect_ok(producer->commit_transaction(20000), "commit_transaction");
  expect_ok(producer->begin_transaction(), "begin_transaction");
  for (int i = 0; i < 50; ++i) send(*producer, topic, "k", "aborted-" + std::to_string(i));
  // Delivered first, so the aborted records reach the log (abort purges what is still queued).
  producer->flush(30000);
  expect_ok(producer->abort_transaction(20000), "abort_transaction");
  expect(failures.failed == 0, "delivery failed: " + failures.last_error);
  auto values = read_values(bootstrap, topic, {{"isolation.level", "read_committed"}});
  expect(values.size() == 100, "read_committed read " + std::to_string(values.size()) + " records, 100 committed");
  for (int i = 0; i < 100; ++i) expect(values[i] == "committed-" + std::to_string(i), "differs at " + std::to_string(i));
}

}  // namespace fjord_it
