// AddOffsetsToTxn and TxnOffsetCommit through their handlers: the group's
// __consumer_offsets partition joins the transaction, the offsets stay
// pending (OffsetFetch require_stable: UNSTABLE_OFFSET_COMMIT) until the
// commit marker, an abort drops them, and a commit outside a transaction or
// with a stale epoch is refused.
#include "protocol/messages/add_offsets_to_txn_request.h"
#include "protocol/messages/add_offsets_to_txn_response.h"
#include "protocol/messages/end_txn_request.h"
#include "protocol/messages/end_txn_response.h"
#include "protocol/messages/offset_fetch_request.h"
#include "protocol/messages/offset_fetch_response.h"
#include "protocol/messages/txn_offset_commit_request.h"
#include "protocol/messages/txn_offset_commit_response.h"
#include "txn_handlers_fixture.h"

namespace fjord::broker {
namespace {

using PE = coordinator::TransactionCoordinatorShard::ProducerIdAndEpoch;

class TxnOffsetCommitTest : public TxnHandlersTest {
 protected:
  int16_t add_offsets(const std::string& id, PE p, const std::string& group, int16_t v = 4) {
    protocol::AddOffsetsToTxnRequest r;
    r.transactional_id = id;
    r.producer_id = p.id;
    r.producer_epoch = p.epoch;
    r.group_id = group;
    return ask<protocol::AddOffsetsToTxnResponse>(r, v).error_code;
  }
  protocol::TxnOffsetCommitResponse commit(const std::string& id, PE p, const std::string& group, int64_t offset,
                                           int16_t v = 4, const std::string& topic = "in") {
    protocol::TxnOffsetCommitRequest r;
    r.transactional_id = id;
    r.group_id = group;
    r.producer_id = p.id;
    r.producer_epoch = p.epoch;
    auto& t = r.topics.emplace_back();
    t.name = topic;
    auto& part = t.partitions.emplace_back();
    part.partition_index = 0;
    part.committed_offset = offset;
    return ask<protocol::TxnOffsetCommitResponse>(r, v);
  }
  static int16_t error_of(const protocol::TxnOffsetCommitResponse& r) {
    return r.topics.at(0).partitions.at(0).error_code;
  }
  int16_t end(const std::string& id, PE p, bool commit) {
    protocol::EndTxnRequest r;
    r.transactional_id = id;
    r.producer_id = p.id;
    r.producer_epoch = p.epoch;
    r.committed = commit;
    return ask<protocol::EndTxnResponse>(r, 4).error_code;
  }
  // OffsetFetch v7 (require_stable): offset and partition error.
  std::pair<int64_t, int16_t> fetch(const std::string& group) {
    protocol::OffsetFetchRequest r;
    r.group_id = group;
    r.require_stable = true;
    r.topics.emplace();
    r.topics->push_back({"in", {0}});
    auto resp = ask<protocol::OffsetFetchResponse>(r, 7);
    const auto& p = resp.topics.at(0).partitions.at(0);
    return {p.committed_offset, p.error_code};
  }
};

TEST_F(TxnOffsetCommitTest, OffsetsCountOnlyOnceCommitted) {
  ASSERT_EQ(create("in", 1, 1).topics.at(0).error_code, 0);
  auto p = init("copier");
  for (int16_t v = 0; v <= 4; ++v) {
    const bool commits = v != 2;
    EXPECT_EQ(add_offsets("copier", p, "cg", v), 0) << "v" << v;
    EXPECT_EQ(state_of("copier"), "Ongoing");
    EXPECT_EQ(error_of(commit("copier", p, "cg", 100 + v, v)), 0) << "v" << v;
    EXPECT_EQ(fetch("cg").second, 88);  // UNSTABLE_OFFSET_COMMIT while pending
    EXPECT_EQ(end("copier", p, commits), 0);
    ASSERT_TRUE(wait_state("copier", commits ? "CompleteCommit" : "CompleteAbort"));
    const int64_t expected = commits ? 100 + v : 101;  // v2's offsets were aborted
    EXPECT_EQ(fetch("cg"), std::make_pair(expected, int16_t(0))) << "v" << v;
  }
}

TEST_F(TxnOffsetCommitTest, RefusedOutsideATransaction) {
  ASSERT_EQ(create("in", 1, 1).topics.at(0).error_code, 0);
  auto p = init("copier");
  EXPECT_EQ(error_of(commit("copier", p, "cg", 5)), 48);        // INVALID_TXN_STATE: no AddOffsetsToTxn
  EXPECT_EQ(error_of(commit("nobody", p, "cg", 5)), 49);        // INVALID_PRODUCER_ID_MAPPING
  ASSERT_EQ(add_offsets("copier", p, "cg"), 0);
  EXPECT_EQ(error_of(commit("copier", p, "other-group", 5)), 48);  // another group's partition
  EXPECT_EQ(error_of(commit("copier", {p.id, int16_t(p.epoch + 1)}, "cg", 5)), 47);  // INVALID_PRODUCER_EPOCH
  EXPECT_EQ(error_of(commit("copier", p, "cg", 5, 4, "missing")), 3);  // UNKNOWN_TOPIC_OR_PARTITION
  EXPECT_EQ(error_of(commit("copier", p, "", 5)), 24);           // INVALID_GROUP_ID
  EXPECT_EQ(fetch("cg"), std::make_pair(int64_t(-1), int16_t(0)));
}

TEST_F(TxnOffsetCommitTest, AddOffsetsToTxnErrors) {
  EXPECT_EQ(add_offsets("nobody", {1, 0}, "cg"), 49);
  auto p = init("tx");
  EXPECT_EQ(add_offsets("tx", {p.id, int16_t(p.epoch + 3)}, "cg"), 90);     // PRODUCER_FENCED
  EXPECT_EQ(add_offsets("tx", {p.id, int16_t(p.epoch + 3)}, "cg", 1), 47);  // before v2
  EXPECT_EQ(add_offsets("tx", p, "cg"), 0);
}

}  // namespace
}  // namespace fjord::broker
