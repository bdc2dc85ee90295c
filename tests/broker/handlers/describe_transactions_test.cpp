// DescribeTransactions through its handler: an ongoing transaction's state,
// producer, timeout and partitions; unknown and empty ids.
#include "protocol/messages/add_partitions_to_txn_request.h"
#include "protocol/messages/add_partitions_to_txn_response.h"
#include "protocol/messages/describe_transactions_request.h"
#include "protocol/messages/describe_transactions_response.h"
#include "txn_handlers_fixture.h"

namespace fjord::broker {
namespace {

class DescribeTransactionsTest : public TxnHandlersTest {};

TEST_F(DescribeTransactionsTest, StatesOfSeveralIds) {
  ASSERT_EQ(create("events", 3, 1).topics.at(0).error_code, 0);
  auto p = init("tx1");
  protocol::AddPartitionsToTxnRequest add;
  add.v3_and_below_transactional_id = "tx1";
  add.v3_and_below_producer_id = p.id;
  add.v3_and_below_producer_epoch = p.epoch;
  add.v3_and_below_topics.push_back({"events", {2, 0}});
  ask<protocol::AddPartitionsToTxnResponse>(add, 3);
  init("idle");

  protocol::DescribeTransactionsRequest req;
  req.transactional_ids = {"tx1", "idle", "unknown", ""};
  auto resp = ask<protocol::DescribeTransactionsResponse>(req, 0);
  ASSERT_EQ(resp.transaction_states.size(), 4u);
  const auto& tx1 = resp.transaction_states[0];
  EXPECT_EQ(tx1.error_code, 0);
  EXPECT_EQ(tx1.transactional_id, "tx1");
  EXPECT_EQ(tx1.transaction_state, "Ongoing");
  EXPECT_EQ(tx1.producer_id, p.id);
  EXPECT_EQ(tx1.producer_epoch, p.epoch);
  EXPECT_EQ(tx1.transaction_timeout_ms, 60000);
  EXPECT_GT(tx1.transaction_start_time_ms, 0);
  ASSERT_EQ(tx1.topics.size(), 1u);
  EXPECT_EQ(tx1.topics[0].topic, "events");
  EXPECT_EQ(tx1.topics[0].partitions, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(resp.transaction_states[1].transaction_state, "Empty");
  EXPECT_EQ(resp.transaction_states[1].transaction_start_time_ms, -1);
  EXPECT_EQ(resp.transaction_states[2].error_code, 105);  // TRANSACTIONAL_ID_NOT_FOUND
  EXPECT_EQ(resp.transaction_states[3].error_code, 42);   // INVALID_REQUEST
}

}  // namespace
}  // namespace fjord::broker
