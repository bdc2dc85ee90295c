#include <gtest/gtest.h>

#include "handler_fixture.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/list_offsets_response.h"
#include "protocol/messages/offset_for_leader_epoch_request.h"
#include "protocol/messages/offset_for_leader_epoch_response.h"

namespace fjord::broker {
namespace {

// Three records in epoch 0, then two in epoch 2 (as after two leader changes).
class LeaderEpochTest : public HandlersTest {
 protected:
  void SetUp() override {
    HandlersTest::SetUp();
    create("e", 1, 1);
    auto first = batch(3);
    produce("e", first, -1);
    ASSERT_EQ(logs_->partition("e", 0)->set_leader_epoch(2), storage::Errc::ok);
    auto second = batch(2);
    produce("e", second, -1);
  }

  protocol::OffsetForLeaderEpochResponse::EpochEndOffset ask(int32_t epoch, int32_t current = -1,
                                                              int16_t v = 4, const std::string& topic = "e") {
    protocol::OffsetForLeaderEpochRequest req;
    req.replica_id = -1;
    auto& t = req.topics.emplace_back();
    t.topic = topic;
    auto& p = t.partitions.emplace_back();
    p.partition = 0;
    p.current_leader_epoch = current;
    p.leader_epoch = epoch;
    return roundtrip<protocol::OffsetForLeaderEpochResponse>(req, v).topics.at(0).partitions.at(0);
  }
};

TEST_F(LeaderEpochTest, OffsetForLeaderEpochAnswersEachEpochsEnd) {
  auto e0 = ask(0);
  EXPECT_EQ(e0.error_code, 0);
  EXPECT_EQ(e0.leader_epoch, 0);
  EXPECT_EQ(e0.end_offset, 3);
  // Epoch 1 never led: the answer is the epoch before it and where it ended.
  auto e1 = ask(1);
  EXPECT_EQ(e1.leader_epoch, 0);
  EXPECT_EQ(e1.end_offset, 3);
  auto e2 = ask(2);
  EXPECT_EQ(e2.leader_epoch, 2);
  EXPECT_EQ(e2.end_offset, 5);  // the latest epoch ends at the log end
  auto e3 = ask(3);
  EXPECT_EQ(e3.error_code, 0);
  EXPECT_EQ(e3.leader_epoch, -1);
  EXPECT_EQ(e3.end_offset, -1);
  EXPECT_EQ(ask(0, -1, 0).end_offset, 3);  // v0 carries no epoch in the answer
}

TEST_F(LeaderEpochTest, OffsetForLeaderEpochFencesAndUnknownPartitions) {
  EXPECT_EQ(ask(0, 2).error_code, 0);
  EXPECT_EQ(ask(0, 1).error_code, 74);  // FENCED_LEADER_EPOCH
  EXPECT_EQ(ask(0, 3).error_code, 75);  // UNKNOWN_LEADER_EPOCH
  auto missing = ask(0, -1, 4, "nope");
  EXPECT_EQ(missing.error_code, 3);
  EXPECT_EQ(missing.end_offset, -1);
}

TEST_F(LeaderEpochTest, ListOffsetsAndFetchFenceByTheLogsEpoch) {
  auto list = [&](int32_t current) {
    protocol::ListOffsetsRequest req;
    req.replica_id = -1;
    auto& t = req.topics.emplace_back();
    t.name = "e";
    t.partitions.push_back({0, current, -1, 1});
    return roundtrip<protocol::ListOffsetsResponse>(req, 7).topics[0].partitions[0];
  };
  EXPECT_EQ(list(2).error_code, 0);
  EXPECT_EQ(list(2).offset, 5);
  EXPECT_EQ(list(2).leader_epoch, 2);
  EXPECT_EQ(list(0).error_code, 74);
  EXPECT_EQ(list(5).error_code, 75);

  auto fetch = [&](int32_t current) {
    protocol::FetchRequest req;
    req.max_wait_ms = 0;
    auto& t = req.topics.emplace_back();
    t.topic = "e";
    auto& p = t.partitions.emplace_back();
    p.current_leader_epoch = current;
    p.partition_max_bytes = 1 << 20;
    auto bytes = flatten(call(req, 11).response);
    protocol::Reader r(bytes.data() + 8, bytes.size() - 8);
    protocol::FetchResponse resp;
    EXPECT_TRUE(resp.decode(r, 11));
    return resp.responses.at(0).partitions.at(0).error_code;
  };
  EXPECT_EQ(fetch(-1), 0);
  EXPECT_EQ(fetch(2), 0);
  EXPECT_EQ(fetch(1), 74);
  EXPECT_EQ(fetch(3), 75);
}

}  // namespace
}  // namespace fjord::broker
