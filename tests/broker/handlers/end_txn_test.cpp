// EndTxn through its handler: commit and abort write the markers and reach
// CompleteCommit/CompleteAbort; unknown ids, stale epochs and nothing to
// end answer as Kafka does, old versions with INVALID_PRODUCER_EPOCH.
#include "protocol/messages/add_partitions_to_txn_request.h"
#include "protocol/messages/add_partitions_to_txn_response.h"
#include "protocol/messages/end_txn_request.h"
#include "protocol/messages/end_txn_response.h"
#include "storage/log/log_batch_reader.h"
#include "txn_handlers_fixture.h"

namespace fjord::broker {
namespace {

class EndTxnTest : public TxnHandlersTest {
 protected:
  void add(const std::string& id, coordinator::TransactionCoordinatorShard::ProducerIdAndEpoch p, int32_t partition) {
    protocol::AddPartitionsToTxnRequest r;
    r.v3_and_below_transactional_id = id;
    r.v3_and_below_producer_id = p.id;
    r.v3_and_below_producer_epoch = p.epoch;
    r.v3_and_below_topics.push_back({"events", {partition}});
    auto resp = ask<protocol::AddPartitionsToTxnResponse>(r, 3);
    ASSERT_EQ(resp.results_by_topic_v3_and_below.at(0).results_by_partition.at(0).partition_error_code, 0);
  }
  int16_t end(const std::string& id, coordinator::TransactionCoordinatorShard::ProducerIdAndEpoch p, bool commit,
              int16_t v = 4) {
    protocol::EndTxnRequest r;
    r.transactional_id = id;
    r.producer_id = p.id;
    r.producer_epoch = p.epoch;
    r.committed = commit;
    return ask<protocol::EndTxnResponse>(r, v).error_code;
  }
};

TEST_F(EndTxnTest, CommitAndAbortWriteMarkersInEveryVersion) {
  ASSERT_EQ(create("events", 1, 1).topics.at(0).error_code, 0);
  auto p = init("tx");
  for (int16_t v = 0; v <= 4; ++v) {
    const bool commit = v % 2 == 0;
    add("tx", p, 0);
    EXPECT_EQ(end("tx", p, commit, v), 0) << "v" << v;
    EXPECT_TRUE(wait_state("tx", commit ? "CompleteCommit" : "CompleteAbort")) << "v" << v;
  }
  // Five markers in the partition, alternating commit and abort.
  auto log = logs_->partition("events", 0);
  ASSERT_EQ(log->high_watermark(), 5);
  storage::LogBatchReader reader(*log, 0);
  storage::LogBatch batch;
  int n = 0;
  while (reader.next(&batch)) {
    EXPECT_TRUE(batch.view.control());
    EXPECT_EQ(batch.view.producer_id(), p.id);
    protocol::Record r;
    ASSERT_TRUE(reader.next_record(&r));
    EXPECT_EQ(r.key.data[3], n % 2 == 0 ? 1 : 0);
    ++n;
  }
  EXPECT_EQ(n, 5);
}

TEST_F(EndTxnTest, BadRequests) {
  ASSERT_EQ(create("events", 1, 1).topics.at(0).error_code, 0);
  EXPECT_EQ(end("nobody", {1, 0}, true), 49);  // INVALID_PRODUCER_ID_MAPPING
  EXPECT_EQ(end("", {1, 0}, true), 42);        // INVALID_REQUEST
  auto p = init("tx");
  EXPECT_EQ(end("tx", p, true), 48);  // INVALID_TXN_STATE: no transaction open
  add("tx", p, 0);
  auto stale = p;
  stale.epoch = int16_t(p.epoch - 1);
  EXPECT_EQ(end("tx", stale, true), 90);     // PRODUCER_FENCED
  EXPECT_EQ(end("tx", stale, true, 1), 47);  // INVALID_PRODUCER_EPOCH before v2
  EXPECT_EQ(end("tx", {p.id + 1, p.epoch}, true), 49);
  EXPECT_EQ(end("tx", p, false), 0);
  EXPECT_TRUE(wait_state("tx", "CompleteAbort"));
  EXPECT_EQ(end("tx", p, false), 0);   // a retried abort
  EXPECT_EQ(end("tx", p, true), 48);   // commit after an abort
}

}  // namespace
}  // namespace fjord::broker
