#include <gtest/gtest.h>

#include "handler_fixture.h"
#include "protocol/messages/find_coordinator_request.h"
#include "protocol/messages/find_coordinator_response.h"

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, FindCoordinatorNamesThisNodeForGroupsAndTransactions) {
  protocol::FindCoordinatorRequest req;
  req.key = "group-a";
  for (int16_t v : {0, 1, 3}) {
    auto resp = roundtrip<protocol::FindCoordinatorResponse>(req, v);
    EXPECT_EQ(resp.error_code, 0) << "v" << v;
    EXPECT_EQ(resp.node_id, 0);
    EXPECT_EQ(resp.host, "127.0.0.1");
    EXPECT_EQ(resp.port, 9092);
  }
  req.key = "";
  EXPECT_EQ(roundtrip<protocol::FindCoordinatorResponse>(req, 2).error_code, 42);
  req.key = "txn";
  req.key_type = 7;
  EXPECT_EQ(roundtrip<protocol::FindCoordinatorResponse>(req, 3).error_code, 42);

  protocol::FindCoordinatorRequest batched;
  batched.key_type = 1;
  batched.coordinator_keys = {"t1", "", "t2"};
  auto resp = roundtrip<protocol::FindCoordinatorResponse>(batched, 6);
  ASSERT_EQ(resp.coordinators.size(), 3u);
  EXPECT_EQ(resp.coordinators[0].key, "t1");
  EXPECT_EQ(resp.coordinators[0].error_code, 0);
  EXPECT_EQ(resp.coordinators[0].port, 9092);
  EXPECT_EQ(resp.coordinators[1].error_code, 42);
  EXPECT_EQ(resp.coordinators[2].node_id, 0);
}

}  // namespace
}  // namespace fjord::broker
