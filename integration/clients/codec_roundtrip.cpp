#include <chrono>
#include <map>
#include <string_view>

#include "rdkafka_support.h"
#include "scenarios.h"

namespace fjord_it {
namespace {

constexpr int kMessages = 2000;
constexpr int kPartitions = 2;

struct Message {
  std::string key;
  bool null_key = false;
  std::string value;
};

Message make_message(int i) {
  Message m;
  m.null_key = i % 100 == 7;
  m.key = "key-" + std::to_string(i % 23);
  if (i % 50 == 3) return m;  // empty value
  // Compressible text with a binary byte every 16, so codecs see both and
  // reliably shrink the batches: librdkafka sends a batch that did not
  // shrink uncompressed, and the test must tell that from a dropped codec.
  for (int j = 0; j < i % 700; ++j) {
    m.value.push_back(j % 16 == 0 ? static_cast<char>((i * 31 + j * 7) & 0xff)
                                 : static_cast<char>('a' + (j % 26)));
  }
  return m;
}

// Records (partition, offset) -> message index from delivery reports.
class Deliveries : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& report) override {
    if (report.err() != RdKafka::ERR_NO_ERROR) {
      ++failed;
      last_error = report.errstr();
      return;
    }
    auto index = static_cast<int>(reinterpret_cast<intptr_t>(report.msg_opaque()));
    at[{report.partition(), report.offset()}] = index;
  }
  std::map<std::pair<int32_t, int64_t>, int> at;
  int failed = 0;
  std::string last_error;
};

std::string_view bytes_of(const void* data, size_t len) {
  return {static_cast<const char*>(data), len};
}

}  // namespace

void codec_roundtrip(const std::string& bootstrap, const std::string& codec) {
  const std::string topic = "codec-" + codec;
  Deliveries deliveries;
  auto producer = make_producer(
      bootstrap, {{"compression.codec", codec}, {"linger.ms", "100"}, {"acks", "all"}},
      &deliveries);
  auto err = create_topic(*producer, topic, kPartitions);
  expect(err == RdKafka::ERR_NO_ERROR, "CreateTopics " + topic + ": " + RdKafka::err2str(err));

  for (int i = 0; i < kMessages; ++i) {
    Message m = make_message(i);
    RdKafka::Headers* headers = nullptr;
    if (i % 10 == 0) {
      headers = RdKafka::Headers::create();
      headers->add("index", std::to_string(i));
    }
    err = producer->produce(topic, i % kPartitions, RdKafka::Producer::RK_MSG_COPY,
                            const_cast<char*>(m.value.data()), m.value.size(),
                            m.null_key ? nullptr : m.key.data(), m.null_key ? 0 : m.key.size(),
                            0, headers, reinterpret_cast<void*>(static_cast<intptr_t>(i)));
    if (err != RdKafka::ERR_NO_ERROR) delete headers;
    expect(err == RdKafka::ERR_NO_ERROR, "produce: " + RdKafka::err2str(err));
    producer->poll(0);
  }
  producer->flush(30000);
  expect(deliveries.failed == 0, codec + ": " + std::to_string(deliveries.failed) +
                                     " deliveries failed, e.g. " + deliveries.last_error);
  expect(deliveries.at.size() == kMessages,
         codec + ": " + std::to_string(deliveries.at.size()) + " acknowledged offsets");

  // Legacy (simple) consumer: explicit partition + start offset, no group at all.
  std::string errstr;
  auto conf = make_conf(bootstrap, {{"fetch.wait.max.ms", "100"}});
  std::unique_ptr<RdKafka::Consumer> consumer(RdKafka::Consumer::create(conf.get(), errstr));
  expect(consumer != nullptr, "consumer: " + errstr);
  std::unique_ptr<RdKafka::Topic> handle(
      RdKafka::Topic::create(consumer.get(), topic, nullptr, errstr));
  expect(handle != nullptr, "topic handle: " + errstr);

  for (int32_t partition = 0; partition < kPartitions; ++partition) {
    expect(consumer->start(handle.get(), partition, RdKafka::Topic::OFFSET_BEGINNING) ==
               RdKafka::ERR_NO_ERROR,
           "consume start");
    int64_t next = 0;
    const int64_t expected = kMessages / kPartitions;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (next < expected) {
      expect(std::chrono::steady_clock::now() < deadline,
             topic + "/" + std::to_string(partition) + ": consumed only " +
                 std::to_string(next) + " of " + std::to_string(expected));
      std::unique_ptr<RdKafka::Message> msg(consumer->consume(handle.get(), partition, 500));
      if (msg->err() == RdKafka::ERR__TIMED_OUT || msg->err() == RdKafka::ERR__PARTITION_EOF) {
        continue;
      }
      expect(msg->err() == RdKafka::ERR_NO_ERROR, "consume: " + msg->errstr());
      expect(msg->offset() == next, topic + ": offset " + std::to_string(msg->offset()) +
                                        ", expected " + std::to_string(next));
      auto found = deliveries.at.find({partition, msg->offset()});
      expect(found != deliveries.at.end(), "consumed a record that was never acknowledged");
      const int index = found->second;
      const Message m = make_message(index);
      const std::string where = topic + " message " + std::to_string(index);
      expect(bytes_of(msg->payload(), msg->len()) == m.value, where + ": value differs");
      if (m.null_key) {
        expect(msg->key_pointer() == nullptr, where + ": null key came back non-null");
      } else {
        expect(msg->key_pointer() != nullptr &&
                   bytes_of(msg->key_pointer(), msg->key_len()) == m.key,
               where + ": key differs");
      }
      if (index % 10 == 0) {
        RdKafka::Headers* headers = msg->headers();
        expect(headers != nullptr && headers->size() == 1, where + ": header missing");
        auto h = headers->get_last("index");
        expect(h.err() == RdKafka::ERR_NO_ERROR &&
                   bytes_of(h.value(), h.value_size()) == std::to_string(index),
               where + ": header differs");
      }
      ++next;
    }
    consumer->stop(handle.get(), partition);
  }
}

}  // namespace fjord_it
