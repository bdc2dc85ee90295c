#include <gtest/gtest.h>

#include <unistd.h>

#include "handler_fixture.h"
#include "protocol/records/crc32c.h"
#include "protocol/records/record_batch.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/list_offsets_response.h"

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, ListOffsetsEarliestLatestAndTimestamp) {
  create("l", 1, 1);
  auto data = batch(3);  // timestamps 1000..1002
  produce("l", data, -1);
  auto query = [&](int64_t ts) {
    protocol::ListOffsetsRequest req;
    req.replica_id = -1;
    auto& t = req.topics.emplace_back();
    t.name = "l";
    t.partitions.push_back({0, -1, ts, 1});
    return roundtrip<protocol::ListOffsetsResponse>(req, 7).topics[0].partitions[0];
  };
  EXPECT_EQ(query(-2).offset, 0);
  EXPECT_EQ(query(-1).offset, 3);
  EXPECT_EQ(query(1001).offset, 1);
  EXPECT_EQ(query(1001).timestamp, 1001);
  EXPECT_EQ(query(5000).offset, -1);
  EXPECT_EQ(query(-3).offset, 2);
}

// Go's sarama 1.22 sends batches with max timestamp -1 in the header; the
// broker sets it from the records (as Kafka does), so the time index and
// ListOffsets by time find the batch.
TEST_F(HandlersTest, ListOffsetsFindsABatchSentWithoutMaxTimestamp) {
  for (auto codec : {protocol::Compression::none, protocol::Compression::gzip}) {
    const std::string topic = codec == protocol::Compression::none ? "sarama" : "sarama-gz";
    create(topic, 1, 1);
    auto data = batch(3, codec);  // timestamps 1000..1002
    protocol::detail::store_be(data.data() + 35, uint64_t(-1), 8);
    protocol::detail::store_be(data.data() + protocol::kCrcOffset,
                               protocol::crc32c(data.data() + protocol::kAttributesOffset,
                                                data.size() - protocol::kAttributesOffset),
                               4);
    ASSERT_EQ(decode_produce(produce(topic, data, -1)).responses[0].partition_responses[0].error_code, 0);
    auto query = [&](int64_t ts) {
      protocol::ListOffsetsRequest req;
      req.replica_id = -1;
      auto& t = req.topics.emplace_back();
      t.name = topic;
      t.partitions.push_back({0, -1, ts, 1});
      return roundtrip<protocol::ListOffsetsResponse>(req, 7).topics[0].partitions[0];
    };
    EXPECT_EQ(query(1000).offset, 0);
    EXPECT_EQ(query(1002).offset, 2);
    EXPECT_EQ(query(1003).offset, -1);
    EXPECT_EQ(query(-3).offset, 2);  // MAX_TIMESTAMP
    EXPECT_EQ(query(-3).timestamp, 1002);
    auto read = logs_->partition(topic, 0)->read(0, 1 << 20);
    auto stored = read.slice.memory ? std::vector<uint8_t>(read.slice.memory, read.slice.memory + read.slice.length)
                                    : std::vector<uint8_t>(read.slice.length);
    if (!read.slice.memory) {
      ASSERT_EQ(::pread(read.slice.fd, stored.data(), stored.size(), off_t(read.slice.position)),
                ssize_t(stored.size()));
    }
    protocol::RecordBatchView v;
    ASSERT_EQ(protocol::RecordBatchView::parse(stored.data(), stored.size(), &v), protocol::BatchError::ok);
    EXPECT_EQ(v.max_timestamp(), 1002);
    EXPECT_TRUE(v.crc_valid());
  }
}

}  // namespace
}  // namespace fjord::broker

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, ListOffsetsLatestIsTheLastStableOffsetForReadCommitted) {
  create("lso", 1, 1);
  auto plain = batch(2);
  produce("lso", plain, -1);
  auto txn = producer_batch(3, 21, 0, 0, true);  // 2-4, undecided
  produce("lso", txn, -1, 7, "tx");
  auto latest = [&](int8_t isolation) {
    protocol::ListOffsetsRequest req;
    req.replica_id = -1;
    req.isolation_level = isolation;
    auto& t = req.topics.emplace_back();
    t.name = "lso";
    t.partitions.push_back({0, -1, -1, 1});
    return roundtrip<protocol::ListOffsetsResponse>(req, 7).topics[0].partitions[0].offset;
  };
  EXPECT_EQ(latest(0), 5);
  EXPECT_EQ(latest(1), 2);
  {
    // By time, READ_COMMITTED never names an offset past the stable one.
    protocol::ListOffsetsRequest req;
    req.replica_id = -1;
    req.isolation_level = 1;
    auto& t = req.topics.emplace_back();
    t.name = "lso";
    t.partitions.push_back({0, -1, -3, 1});  // MAX_TIMESTAMP: in the open transaction
    EXPECT_EQ(roundtrip<protocol::ListOffsetsResponse>(req, 7).topics[0].partitions[0].offset, -1);
    req.isolation_level = 0;
    EXPECT_GE(roundtrip<protocol::ListOffsetsResponse>(req, 7).topics[0].partitions[0].offset, 2);
  }
  storage::AppendInfo marker;
  ASSERT_EQ(logs_->partition("lso", 0)->append_txn_marker(21, 0, true, 0, &marker), storage::Errc::ok);
  logs_->partition("lso", 0)->flush();
  EXPECT_EQ(latest(1), 6);
}

}  // namespace
}  // namespace fjord::broker
