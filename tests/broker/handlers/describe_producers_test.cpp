#include <gtest/gtest.h>

#include "handler_fixture.h"
#include "protocol/messages/describe_producers_request.h"
#include "protocol/messages/describe_producers_response.h"

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, DescribeProducersListsEachPartitionsProducerState) {
  create("dp", 1, 1);
  auto idempotent = producer_batch(3, 41, 2, 0);
  produce("dp", idempotent, -1);
  auto txn = producer_batch(1, 42, 0, 0, true);
  produce("dp", txn, -1, 7, "tx");

  protocol::DescribeProducersRequest req;
  req.topics.push_back({"dp", {0, 5}});
  req.topics.push_back({"missing", {0}});
  auto resp = roundtrip<protocol::DescribeProducersResponse>(req, 0);
  ASSERT_EQ(resp.topics.size(), 2u);
  const auto& p0 = resp.topics[0].partitions[0];
  EXPECT_EQ(p0.error_code, 0);
  ASSERT_EQ(p0.active_producers.size(), 2u);
  for (const auto& s : p0.active_producers) {
    if (s.producer_id == 41) {
      EXPECT_EQ(s.producer_epoch, 2);
      EXPECT_EQ(s.last_sequence, 2);
      EXPECT_EQ(s.current_txn_start_offset, -1);
      EXPECT_EQ(s.coordinator_epoch, -1);
    } else {
      EXPECT_EQ(s.producer_id, 42);
      EXPECT_EQ(s.current_txn_start_offset, 3);
    }
    EXPECT_GT(s.last_timestamp, 0);
  }
  EXPECT_EQ(resp.topics[0].partitions[1].error_code, 3);  // UNKNOWN_TOPIC_OR_PARTITION
  EXPECT_EQ(resp.topics[1].partitions[0].error_code, 3);
}

}  // namespace
}  // namespace fjord::broker
