#include <gtest/gtest.h>

#include "handler_fixture.h"
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

}  // namespace
}  // namespace fjord::broker
