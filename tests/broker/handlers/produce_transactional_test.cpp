// Produce of transactional batches is verified against the transaction
// coordinator (Kafka's transaction verification): only to partitions the
// producer added to its ongoing transaction, with its producer id and epoch.
#include "protocol/messages/add_partitions_to_txn_request.h"
#include "protocol/messages/add_partitions_to_txn_response.h"
#include "protocol/messages/end_txn_request.h"
#include "protocol/messages/end_txn_response.h"
#include "protocol/records/record_batch_builder.h"
#include "txn_handlers_fixture.h"

namespace fjord::broker {
namespace {

using PE = coordinator::TransactionCoordinatorShard::ProducerIdAndEpoch;

class ProduceTransactionalTest : public TxnHandlersTest {
 protected:
  int16_t produce_txn(const std::string& id, PE p, int32_t sequence) {
    protocol::BatchOptions o;
    o.producer_id = p.id;
    o.producer_epoch = p.epoch;
    o.base_sequence = sequence;
    o.transactional = true;
    protocol::RecordBatchBuilder b(o);
    b.add(1000, std::nullopt, std::string_view("v"));
    std::vector<uint8_t> bytes = b.build();
    return decode_produce(produce("events", bytes, 1, 7, id)).responses.at(0).partition_responses.at(0).error_code;
  }
};

TEST_F(ProduceTransactionalTest, OnlyToPartitionsOfTheOngoingTransaction) {
  ASSERT_EQ(create("events", 1, 1).topics.at(0).error_code, 0);
  auto p = init("tx");
  EXPECT_EQ(produce_txn("tx", p, 0), 48);  // INVALID_TXN_STATE: not added
  protocol::AddPartitionsToTxnRequest add;
  add.v3_and_below_transactional_id = "tx";
  add.v3_and_below_producer_id = p.id;
  add.v3_and_below_producer_epoch = p.epoch;
  add.v3_and_below_topics.push_back({"events", {0}});
  ask<protocol::AddPartitionsToTxnResponse>(add, 3);
  EXPECT_EQ(produce_txn("tx", p, 0), 0);
  EXPECT_EQ(produce_txn("tx", {p.id, int16_t(p.epoch + 1)}, 1), 47);  // INVALID_PRODUCER_EPOCH
  EXPECT_EQ(produce_txn("other", p, 1), 49);                          // INVALID_PRODUCER_ID_MAPPING
  protocol::EndTxnRequest end;
  end.transactional_id = "tx";
  end.producer_id = p.id;
  end.producer_epoch = p.epoch;
  end.committed = true;
  ASSERT_EQ(ask<protocol::EndTxnResponse>(end, 3).error_code, 0);
  ASSERT_TRUE(wait_state("tx", "CompleteCommit"));
  EXPECT_EQ(produce_txn("tx", p, 1), 48);  // the transaction is over
  EXPECT_EQ(logs_->partition("events", 0)->high_watermark(), 2);  // one batch and its marker
}

}  // namespace
}  // namespace fjord::broker
