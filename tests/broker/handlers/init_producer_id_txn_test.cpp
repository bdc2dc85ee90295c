// InitProducerId with a transactional id, through the InitProducerId handler
// and the transaction coordinator: new ids, epoch bumps, KIP-360 retries,
// fencing an open transaction (CONCURRENT_TRANSACTIONS until it is aborted)
// and PRODUCER_FENCED as old versions see it.
#include "protocol/messages/add_partitions_to_txn_request.h"
#include "protocol/messages/add_partitions_to_txn_response.h"
#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/init_producer_id_response.h"
#include "txn_handlers_fixture.h"

namespace fjord::broker {
namespace {

class InitProducerIdTxnTest : public TxnHandlersTest {
 protected:
  void SetUp() override {
    TxnHandlersTest::SetUp();
    ctx_->transactions = txns_.get();
  }
  protocol::InitProducerIdResponse init_req(const std::string& id, int16_t v, int64_t pid = -1, int16_t epoch = -1,
                                            int32_t timeout = 60000) {
    protocol::InitProducerIdRequest r;
    r.transactional_id = id;
    r.transaction_timeout_ms = timeout;
    r.producer_id = pid;
    r.producer_epoch = epoch;
    return ask<protocol::InitProducerIdResponse>(r, v);
  }
};

TEST_F(InitProducerIdTxnTest, EveryVersionBumpsTheEpoch) {
  int64_t pid = -1;
  for (int16_t v = 0; v <= 5; ++v) {
    auto r = init_req("tx", v);
    EXPECT_EQ(r.error_code, 0) << "v" << v;
    if (v == 0) pid = r.producer_id;
    EXPECT_EQ(r.producer_id, pid);
    EXPECT_EQ(r.producer_epoch, v);
  }
  EXPECT_EQ(init_req("tx", 5, pid, 5).producer_epoch, 6);  // KIP-360: the producer's own id and epoch
  EXPECT_EQ(init_req("tx", 3, pid + 100, 0).error_code, 47);  // another id: INVALID_PRODUCER_EPOCH before v4
  EXPECT_EQ(init_req("tx", 4, pid + 100, 0).error_code, 90);  // PRODUCER_FENCED
  EXPECT_EQ(init_req("tx", 4, -1, -1, 0).error_code, 50);     // INVALID_TRANSACTION_TIMEOUT
  EXPECT_EQ(init_req("", 4).error_code, 42);
}

TEST_F(InitProducerIdTxnTest, AnOpenTransactionIsAbortedFirst) {
  ASSERT_EQ(create("events", 1, 1).topics.at(0).error_code, 0);
  auto first = init_req("tx", 4);
  protocol::AddPartitionsToTxnRequest add;
  add.v3_and_below_transactional_id = "tx";
  add.v3_and_below_producer_id = first.producer_id;
  add.v3_and_below_producer_epoch = first.producer_epoch;
  add.v3_and_below_topics.push_back({"events", {0}});
  ask<protocol::AddPartitionsToTxnResponse>(add, 3);
  EXPECT_EQ(init_req("tx", 4).error_code, 51);  // CONCURRENT_TRANSACTIONS: retry
  ASSERT_TRUE(wait_state("tx", "CompleteAbort"));
  auto second = init_req("tx", 4);
  EXPECT_EQ(second.error_code, 0);
  EXPECT_EQ(second.producer_epoch, first.producer_epoch + 2);
  EXPECT_EQ(logs_->partition("events", 0)->high_watermark(), 1);  // the abort marker
}

}  // namespace
}  // namespace fjord::broker
