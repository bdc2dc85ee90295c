#include <chrono>

#include "rdkafka_support.h"
#include "scenarios.h"

namespace fjord_it {
namespace {

constexpr int kMessages = 100;
constexpr int64_t kStepMs = 1000;

int64_t query(RdKafka::Producer& producer, const std::string& topic, int64_t timestamp) {
  std::vector<RdKafka::TopicPartition*> partitions{
      RdKafka::TopicPartition::create(topic, 0, timestamp)};
  auto err = producer.offsetsForTimes(partitions, 10000);
  int64_t offset = partitions[0]->offset();
  auto partition_err = partitions[0]->err();
  RdKafka::TopicPartition::destroy(partitions);
  expect(err == RdKafka::ERR_NO_ERROR, "offsetsForTimes: " + RdKafka::err2str(err));
  expect(partition_err == RdKafka::ERR_NO_ERROR,
         "offsetsForTimes partition: " + RdKafka::err2str(partition_err));
  return offset;
}

}  // namespace

void offsets_for_times(const std::string& bootstrap) {
  const std::string topic = "timestamps";
  auto producer = make_producer(bootstrap, {{"linger.ms", "5"}}, nullptr);
  auto err = create_topic(*producer, topic, 1);
  expect(err == RdKafka::ERR_NO_ERROR, "CreateTopics: " + RdKafka::err2str(err));

  // CreateTime timestamps an hour in the past, one second apart.
  const int64_t base = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() -
                       3600 * 1000;
  for (int i = 0; i < kMessages; ++i) {
    std::string value = "t" + std::to_string(i);
    err = producer->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, value.data(), value.size(),
                            nullptr, 0, base + i * kStepMs, nullptr);
    expect(err == RdKafka::ERR_NO_ERROR, "produce: " + RdKafka::err2str(err));
    if (i == kMessages / 2) producer->flush(10000);  // spread over several batches
  }
  expect(producer->flush(30000) == RdKafka::ERR_NO_ERROR, "flush timed out");

  struct Case {
    int64_t timestamp;
    int64_t offset;
  };
  const Case cases[] = {
      {base - 60'000, 0},                          // before everything: first record
      {base, 0},                                   // exact match
      {base + 10 * kStepMs, 10},                   // exact match inside
      {base + 10 * kStepMs + 1, 11},               // between two: the later one
      {base + 50 * kStepMs + 500, 51},             // across the batch boundary
      {base + (kMessages - 1) * kStepMs, kMessages - 1},
      {base + kMessages * kStepMs + 60'000, -1},   // after everything: no such offset
  };
  for (const auto& c : cases) {
    int64_t got = query(*producer, topic, c.timestamp);
    expect(got == c.offset, "offsetsForTimes(base+" + std::to_string(c.timestamp - base) +
                                ") = " + std::to_string(got) + ", expected " +
                                std::to_string(c.offset));
  }
  int64_t low = -1, high = -1;
  err = producer->query_watermark_offsets(topic, 0, &low, &high, 10000);
  expect(err == RdKafka::ERR_NO_ERROR && low == 0 && high == kMessages,
         "watermarks " + std::to_string(low) + ".." + std::to_string(high));
}

}  // namespace fjord_it
