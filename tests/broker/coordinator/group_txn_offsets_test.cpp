// Transactional offsets in a group shard: TxnOffsetCommit leaves them
// pending (UNSTABLE_OFFSET_COMMIT for require_stable), a commit marker makes
// them the group's offsets, an abort marker drops them, also when loading.
#include <gtest/gtest.h>

#include "broker/coordinator/group_records.h"
#include "group_test_client.h"

namespace fjord::broker::coordinator::test {
namespace {

protocol::TxnOffsetCommitRequest txn_commit(const std::string& group, int64_t pid, int64_t offset,
                                            int32_t generation = -1, const std::string& member = "") {
  protocol::TxnOffsetCommitRequest req;
  req.transactional_id = "tx";
  req.group_id = group;
  req.producer_id = pid;
  req.producer_epoch = 0;
  req.generation_id = generation;
  req.member_id = member;
  auto& t = req.topics.emplace_back();
  t.name = "in";
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.committed_offset = offset;
  return req;
}

int16_t commit(GroupHarness& h, const protocol::TxnOffsetCommitRequest& req) {
  std::optional<int16_t> error;
  h.shard->commit_txn_offsets(req, 3, [&](protocol::TxnOffsetCommitResponse r) {
    error = r.topics.at(0).partitions.at(0).error_code;
  });
  h.services->settle();
  return error.value_or(-2);
}

int64_t fetch(GroupHarness& h, const std::string& group, bool stable, int16_t* error = nullptr) {
  auto g = h.shard->fetch_offsets(group, std::vector<std::pair<std::string, std::vector<int32_t>>>{{"in", {0}}},
                                  stable);
  if (error) *error = g.topics.at(0).partitions.at(0).error_code;
  return g.topics.at(0).partitions.at(0).committed_offset;
}

TEST(GroupTxnOffsets, PendingUntilCommitted) {
  GroupHarness h;
  EXPECT_EQ(commit(h, txn_commit("g", 77, 10)), 0);
  int16_t error = 0;
  EXPECT_EQ(fetch(h, "g", false, &error), -1);
  EXPECT_EQ(error, 0);
  EXPECT_EQ(fetch(h, "g", true, &error), -1);
  EXPECT_EQ(error, 88);  // UNSTABLE_OFFSET_COMMIT
  h.shard->replay_end_txn(77, true);
  EXPECT_EQ(fetch(h, "g", true, &error), 10);
  EXPECT_EQ(error, 0);
}

TEST(GroupTxnOffsets, AbortDropsThem) {
  GroupHarness h;
  h.commit("g", -1, "", "in", 0, 5);
  EXPECT_EQ(commit(h, txn_commit("g", 77, 10)), 0);
  h.shard->replay_end_txn(99, true);  // another producer's marker changes nothing
  EXPECT_EQ(fetch(h, "g", false), 5);
  h.shard->replay_end_txn(77, false);
  int16_t error = -1;
  EXPECT_EQ(fetch(h, "g", true, &error), 5);
  EXPECT_EQ(error, 0);
}

TEST(GroupTxnOffsets, Validation) {
  GroupHarness h;
  EXPECT_EQ(commit(h, txn_commit("nosuch", 1, 1, 3, "m")), 22);  // ILLEGAL_GENERATION
  auto [id, j] = h.join_new("g", {});
  h.services->advance(3000);
  h.sync("g", id, 1, {{id, {1}}});
  EXPECT_EQ(commit(h, txn_commit("g", 1, 1, 1, "stranger")), 25);  // UNKNOWN_MEMBER_ID
  EXPECT_EQ(commit(h, txn_commit("g", 1, 1, 2, id)), 22);
  EXPECT_EQ(commit(h, txn_commit("g", 1, 1, 1, id)), 0);
  // A producer outside the group (generation -1, no member) may commit to a live group.
  EXPECT_EQ(commit(h, txn_commit("g", 2, 1)), 0);
}

TEST(GroupTxnOffsets, LoadingAppliesMarkersInOrder) {
  GroupHarness h;
  EXPECT_EQ(commit(h, txn_commit("g", 77, 10)), 0);
  EXPECT_EQ(commit(h, txn_commit("g", 78, 20)), 0);
  auto log = h.services->log;
  h.reset(GroupHarness::test_config());
  // Replayed as the loader does: records with their batch's producer id, then markers.
  const int64_t pids[] = {77, 78};
  for (size_t i = 0; i < log.size(); ++i) {
    RecordView v{{log[i].key.data(), log[i].key.size()}, std::nullopt};
    v.value = std::span<const uint8_t>(log[i].value->data(), log[i].value->size());
    v.producer_id = pids[i];
    h.shard->replay(v);
  }
  h.shard->replay_end_txn(78, false);
  h.shard->replay_end_txn(77, true);
  h.shard->on_loaded();
  EXPECT_EQ(fetch(h, "g", true), 10);
}

}  // namespace
}  // namespace fjord::broker::coordinator::test
