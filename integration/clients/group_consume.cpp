// The high-level consumer (RdKafka::KafkaConsumer) in a group of two: a rebalance splits
// the partitions, commits hold across it, a member that closes hands its partitions to
// the other, and a new member of the group resumes at the commits.
#include <algorithm>
#include <chrono>
#include <functional>
#include <set>

#include "rdkafka_support.h"
#include "scenarios.h"

namespace fjord_it {
namespace {

constexpr int kPartitions = 4;
const std::string kTopic = "rk-group";
const std::string kGroup = "rk-group";

class Member {
 public:
  explicit Member(const std::string& bootstrap) {
    auto conf = make_conf(bootstrap, {{"group.id", kGroup},
                                      {"auto.offset.reset", "earliest"},
                                      {"enable.auto.commit", "false"},
                                      {"session.timeout.ms", "6000"},
                                      {"heartbeat.interval.ms", "300"},
                                      {"fetch.wait.max.ms", "100"}});
    std::string err;
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
    expect(consumer_ != nullptr, "KafkaConsumer: " + err);
    expect(consumer_->subscribe({kTopic}) == RdKafka::ERR_NO_ERROR, "subscribe");
  }
  ~Member() { close(); }

  // One poll; a record is kept and committed synchronously at once.
  void poll(std::set<std::string>& seen, int& duplicates) {
    std::unique_ptr<RdKafka::Message> msg(consumer_->consume(50));
    if (msg->err() == RdKafka::ERR__TIMED_OUT || msg->err() == RdKafka::ERR__PARTITION_EOF) return;
    expect(msg->err() == RdKafka::ERR_NO_ERROR, "consume: " + msg->errstr());
    std::string value(static_cast<const char*>(msg->payload()), msg->len());
    if (!seen.insert(value).second) ++duplicates;
    ++read;
    auto err = consumer_->commitSync(msg.get());
    expect(err == RdKafka::ERR_NO_ERROR, "commitSync: " + RdKafka::err2str(err));
  }

  std::vector<int32_t> assigned() {
    std::vector<RdKafka::TopicPartition*> parts;
    consumer_->assignment(parts);
    std::vector<int32_t> out;
    for (auto* p : parts) out.push_back(p->partition());
    RdKafka::TopicPartition::destroy(parts);
    std::sort(out.begin(), out.end());
    return out;
  }

  void close() {
    if (consumer_) consumer_->close();  // leaves the group
    consumer_.reset();
  }

  int read = 0;

 private:
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

void produce(RdKafka::Producer& producer, int from, int to) {
  for (int i = from; i < to; ++i) {
    std::string value = "v" + std::to_string(i);
    auto err = producer.produce(kTopic, i % kPartitions, RdKafka::Producer::RK_MSG_COPY,
                                value.data(), value.size(), nullptr, 0, 0, nullptr);
    expect(err == RdKafka::ERR_NO_ERROR, "produce: " + RdKafka::err2str(err));
  }
  expect(producer.flush(20000) == RdKafka::ERR_NO_ERROR, "flush");
}

// Polls every member until `done` holds.
void poll_until(std::vector<Member*> members, std::set<std::string>& seen, int& duplicates,
                const std::function<bool()>& done, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (!done()) {
    expect(std::chrono::steady_clock::now() < deadline, "timed out waiting for " + what);
    for (auto* m : members) m->poll(seen, duplicates);
  }
}

}  // namespace

void group_consume(const std::string& bootstrap) {
  auto producer = make_producer(bootstrap, {{"acks", "all"}}, nullptr);
  auto err = create_topic(*producer, kTopic, kPartitions);
  expect(err == RdKafka::ERR_NO_ERROR, "CreateTopics: " + RdKafka::err2str(err));
  std::set<std::string> seen;
  int duplicates = 0;
  produce(*producer, 0, 100);

  Member a(bootstrap);
  poll_until({&a}, seen, duplicates, [&] { return seen.size() == 100; }, "the first member to read 100");
  expect(a.assigned().size() == kPartitions, "the first member does not own every partition");

  Member b(bootstrap);
  poll_until({&a, &b}, seen, duplicates, [&] {
    auto x = a.assigned(), y = b.assigned();
    return !x.empty() && !y.empty() && x.size() + y.size() == kPartitions;
  }, "the two members to split the partitions");
  produce(*producer, 100, 200);
  poll_until({&a, &b}, seen, duplicates, [&] { return seen.size() == 200; }, "200 records");
  expect(duplicates == 0, std::to_string(duplicates) + " records read twice");
  expect(a.read > 100 && b.read > 0, "the second member read nothing after the rebalance");

  a.close();
  poll_until({&b}, seen, duplicates, [&] { return b.assigned().size() == kPartitions; },
             "the remaining member to own every partition");
  produce(*producer, 200, 220);
  poll_until({&b}, seen, duplicates, [&] { return seen.size() == 220; }, "220 records");
  b.close();
  expect(duplicates == 0, std::to_string(duplicates) + " records read twice");

  // A new member resumes at the commits: it reads only what was produced since.
  produce(*producer, 220, 230);
  Member c(bootstrap);
  std::set<std::string> resumed;
  poll_until({&c}, resumed, duplicates, [&] { return resumed.size() >= 10; }, "the resumed member");
  for (int i = 0; i < 10; ++i) c.poll(resumed, duplicates);  // nothing more may come
  expect(resumed.size() == 10 && *resumed.begin() == "v220",
         "the resumed member read " + std::to_string(resumed.size()) + " records, from " + *resumed.begin());
}

}  // namespace fjord_it
