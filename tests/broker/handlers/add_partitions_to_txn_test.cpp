// AddPartitionsToTxn through its handler: every version, the v0-3 layout and
// the batched v4+ one (with VerifyOnly), unknown partitions, and the
// fencing errors old versions see as INVALID_PRODUCER_EPOCH.
#include "protocol/messages/add_partitions_to_txn_request.h"
#include "protocol/messages/add_partitions_to_txn_response.h"
#include "txn_handlers_fixture.h"

namespace fjord::broker {
namespace {

using Req = protocol::AddPartitionsToTxnRequest;
using Resp = protocol::AddPartitionsToTxnResponse;

Req v3_request(const std::string& id, coordinator::TransactionCoordinatorShard::ProducerIdAndEpoch p,
               const std::string& topic, std::vector<int32_t> partitions) {
  Req r;
  r.v3_and_below_transactional_id = id;
  r.v3_and_below_producer_id = p.id;
  r.v3_and_below_producer_epoch = p.epoch;
  r.v3_and_below_topics.push_back({topic, std::move(partitions)});
  return r;
}

class AddPartitionsToTxnTest : public TxnHandlersTest {};

TEST_F(AddPartitionsToTxnTest, EveryClientVersionAddsThePartitions) {
  ASSERT_EQ(create("events", 2, 1).topics.at(0).error_code, 0);
  for (int16_t v = 0; v <= 3; ++v) {
    const std::string id = "tx-v" + std::to_string(v);
    auto p = init(id);
    auto resp = ask<Resp>(v3_request(id, p, "events", {0, 1}), v);
    ASSERT_EQ(resp.results_by_topic_v3_and_below.size(), 1u) << "v" << v;
    EXPECT_EQ(resp.results_by_topic_v3_and_below[0].name, "events");
    ASSERT_EQ(resp.results_by_topic_v3_and_below[0].results_by_partition.size(), 2u);
    for (const auto& r : resp.results_by_topic_v3_and_below[0].results_by_partition)
      EXPECT_EQ(r.partition_error_code, 0) << "v" << v;
    EXPECT_EQ(state_of(id), "Ongoing");
  }
}

TEST_F(AddPartitionsToTxnTest, WrongEpochAndUnknownIds) {
  ASSERT_EQ(create("events", 1, 1).topics.at(0).error_code, 0);
  auto p = init("tx");
  auto stale = p;
  stale.epoch = int16_t(p.epoch + 1);
  auto errors_of = [](const Resp& r) { return r.results_by_topic_v3_and_below.at(0).results_by_partition.at(0).partition_error_code; };
  EXPECT_EQ(errors_of(ask<Resp>(v3_request("tx", stale, "events", {0}), 3)), 90);  // PRODUCER_FENCED
  EXPECT_EQ(errors_of(ask<Resp>(v3_request("tx", stale, "events", {0}), 1)), 47);  // INVALID_PRODUCER_EPOCH
  EXPECT_EQ(errors_of(ask<Resp>(v3_request("nobody", p, "events", {0}), 3)), 49);  // INVALID_PRODUCER_ID_MAPPING
  EXPECT_EQ(errors_of(ask<Resp>(v3_request("", p, "events", {0}), 3)), 42);        // INVALID_REQUEST
  // An unknown partition fails the request; the others are not attempted.
  auto mixed = v3_request("tx", p, "events", {0, 5});
  auto resp = ask<Resp>(mixed, 3);
  const auto& parts = resp.results_by_topic_v3_and_below.at(0).results_by_partition;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].partition_error_code, 55);  // OPERATION_NOT_ATTEMPTED
  EXPECT_EQ(parts[1].partition_error_code, 3);   // UNKNOWN_TOPIC_OR_PARTITION
  EXPECT_EQ(state_of("tx"), "Empty");
}

TEST_F(AddPartitionsToTxnTest, BatchedVersionsAddAndVerify) {
  ASSERT_EQ(create("events", 2, 1).topics.at(0).error_code, 0);
  auto a = init("a");
  auto b = init("b");
  for (int16_t v : {4, 5}) {
    Req req;
    req.transactions.push_back({"a", a.id, a.epoch, false, {{"events", {0}}}});
    req.transactions.push_back({"b", b.id, b.epoch, true, {{"events", {1}}}});  // verify only: not in it
    auto resp = ask<Resp>(req, v);
    EXPECT_EQ(resp.error_code, 0);
    ASSERT_EQ(resp.results_by_transaction.size(), 2u);
    EXPECT_EQ(resp.results_by_transaction[0].transactional_id, "a");
    EXPECT_EQ(resp.results_by_transaction[0].topic_results.at(0).results_by_partition.at(0).partition_error_code, 0);
    EXPECT_EQ(resp.results_by_transaction[1].transactional_id, "b");
    EXPECT_EQ(resp.results_by_transaction[1].topic_results.at(0).results_by_partition.at(0).partition_error_code,
              48);  // INVALID_TXN_STATE
  }
  // Verifying a partition that is in the transaction.
  Req verify;
  verify.transactions.push_back({"a", a.id, a.epoch, true, {{"events", {0}}}});
  auto resp = ask<Resp>(verify, 4);
  EXPECT_EQ(resp.results_by_transaction.at(0).topic_results.at(0).results_by_partition.at(0).partition_error_code, 0);
  EXPECT_EQ(state_of("b"), "Empty");
}

}  // namespace
}  // namespace fjord::broker
