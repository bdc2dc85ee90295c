// OffsetCommit / OffsetFetch / OffsetDelete, groups administration, loading
// from records and offsets retention on one coordinator shard.
#include <gtest/gtest.h>

#include "broker/coordinator/group_records.h"
#include "group_test_client.h"

namespace fjord::broker::coordinator::test {
namespace {

constexpr int16_t kNone = 0;

// One member, generation 1, Stable.
std::string stable_single(GroupHarness& h, const std::string& group, Protocols p = {}) {
  auto [id, j] = h.join_new(group, p);
  h.services->advance(3000);
  EXPECT_TRUE(j->has_value());
  h.sync(group, id, 1, {{id, {1}}});
  EXPECT_EQ(h.state(group), GroupState::stable);
  return id;
}

TEST(GroupOffsets, SimpleCommitWithoutAGroupCreatesOne) {
  GroupHarness h;
  EXPECT_EQ(h.fetched("simple", "t", 0), -1);
  auto r = h.commit("simple", -1, "", "t", 0, 42, 8, "meta");
  EXPECT_EQ(r.topics.at(0).partitions.at(0).error_code, kNone);
  EXPECT_EQ(h.fetched("simple", "t", 0), 42);
  EXPECT_EQ(h.state("simple"), GroupState::empty);
  EXPECT_EQ(h.shard->offset("simple", "t", 0)->metadata, "meta");
  EXPECT_EQ(h.shard->offset("simple", "t", 0)->commit_timestamp, h.services->now);
}

TEST(GroupOffsets, CommitValidation) {
  GroupHarness h;
  EXPECT_EQ(h.commit_error("nosuch", 3, "m", 8), 22);   // ILLEGAL_GENERATION before v9
  EXPECT_EQ(h.commit_error("nosuch", 3, "m", 9), 69);   // GROUP_ID_NOT_FOUND from v9
  const std::string id = stable_single(h, "g");
  EXPECT_EQ(h.commit_error("g", 1, id), kNone);
  EXPECT_EQ(h.commit_error("g", 2, id), 22);
  EXPECT_EQ(h.commit_error("g", 1, "stranger"), 25);
  EXPECT_EQ(h.commit_error("g", -1, ""), 25);           // generation -1 only for empty groups
  auto big = h.commit("g", 1, id, "t", 0, 5, 8, std::string(4097, 'x'));
  EXPECT_EQ(big.topics.at(0).partitions.at(0).error_code, 12);  // OFFSET_METADATA_TOO_LARGE
  // During CompletingRebalance the member is told to finish the rebalance.
  auto j = h.join("g", id);
  h.services->advance(3000);
  EXPECT_EQ(h.state("g"), GroupState::completing_rebalance);
  EXPECT_EQ(h.commit_error("g", 2, id), 27);
}

TEST(GroupOffsets, FetchAllAndSomePartitions) {
  GroupHarness h;
  h.commit("s", -1, "", "a", 0, 10);
  h.commit("s", -1, "", "a", 1, 11);
  h.commit("s", -1, "", "b", 0, 20);
  auto all = h.shard->fetch_offsets("s", std::nullopt, false);
  ASSERT_EQ(all.topics.size(), 2u);
  EXPECT_EQ(all.topics[0].name, "a");
  EXPECT_EQ(all.topics[0].partitions.size(), 2u);
  EXPECT_EQ(all.topics[1].partitions.at(0).committed_offset, 20);
  EXPECT_EQ(h.fetched("s", "a", 7), -1);
  EXPECT_TRUE(h.shard->fetch_offsets("unknown", std::nullopt, true).topics.empty());
}

TEST(GroupOffsets, LoadReplaysGroupsAndOffsets) {
  GroupHarness h;
  Protocols p;
  p.list = {{"range", subscription({"t"})}};
  auto j1 = h.join("g", "", std::string("i1"), p);
  auto [dyn, j2] = h.join_new("g", p);
  h.services->advance(6000);
  const std::string m1 = (*j1)->member_id, leader = (*j1)->leader;
  const std::string follower = leader == m1 ? dyn : m1;
  h.sync("g", follower, 1, {}, follower == m1 ? std::optional<std::string>("i1") : std::nullopt);
  h.sync("g", leader, 1, {{m1, {1}}, {dyn, {2}}}, leader == m1 ? std::optional<std::string>("i1") : std::nullopt);
  h.commit("g", 1, m1, "t", 3, 300, 8, "", std::string("i1"));
  h.commit("simple", -1, "", "u", 0, 7);

  h.reload();
  const ClassicGroup* g = h.shard->group("g");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->state(), GroupState::stable);
  EXPECT_EQ(g->generation_id(), 1);
  EXPECT_EQ(g->size(), 2u);
  EXPECT_EQ(g->leader_or_empty(), leader);
  EXPECT_EQ(g->protocol_name(), "range");
  EXPECT_TRUE(g->has_static_member("i1"));
  EXPECT_TRUE(g->is_subscribed_to_topic("t"));
  EXPECT_EQ(h.fetched("g", "t", 3), 300);
  EXPECT_EQ(h.fetched("simple", "u", 0), 7);
  // Loaded members keep their assignments and must heartbeat again.
  auto s = h.sync("g", dyn, 1);
  EXPECT_EQ((*s)->assignment, std::vector<uint8_t>{2});
  EXPECT_EQ(h.heartbeat("g", m1, 1, std::string("i1")), kNone);
  h.services->advance(9000);
  EXPECT_EQ(h.heartbeat("g", m1, 1, std::string("i1")), kNone);
  h.services->advance(2000);  // the dynamic member's session ends
  EXPECT_EQ(h.state("g"), GroupState::preparing_rebalance);
}

TEST(GroupOffsets, RecordsUseKafkasFormats) {
  GroupHarness h;
  h.commit("s", -1, "", "t", 2, 99, 8, "m");
  ASSERT_EQ(h.services->log.size(), 1u);
  const auto& r = h.services->log[0];
  // OffsetCommitKey v1: int16 1, group, topic, partition.
  std::vector<uint8_t> key = {0, 1, 0, 1, 's', 0, 1, 't', 0, 0, 0, 2};
  EXPECT_EQ(r.key, key);
  OffsetCommitValue v;
  ASSERT_TRUE(r.value && decode_value(*r.value, &v));
  EXPECT_EQ((*r.value)[1], 3);  // value version 3
  EXPECT_EQ(v.offset, 99);
  EXPECT_EQ(v.metadata, "m");
}

TEST(GroupOffsets, DeleteOffsets) {
  GroupHarness h;
  Protocols p;
  p.list = {{"range", subscription({"t"})}};
  const std::string id = stable_single(h, "g", p);
  h.commit("g", 1, id, "t", 0, 5);
  h.commit("g", 1, id, "other", 0, 6);
  protocol::OffsetDeleteRequest req;
  req.group_id = "g";
  req.topics.push_back({"t", {{0}}});
  req.topics.push_back({"other", {{0}}});
  std::optional<protocol::OffsetDeleteResponse> out;
  h.shard->delete_offsets(req, [&](protocol::OffsetDeleteResponse r) { out = std::move(r); });
  h.services->settle();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->error_code, kNone);
  EXPECT_EQ(out->topics[0].partitions[0].error_code, 86);  // GROUP_SUBSCRIBED_TO_TOPIC
  EXPECT_EQ(out->topics[1].partitions[0].error_code, kNone);
  EXPECT_EQ(h.fetched("g", "t", 0), 5);
  EXPECT_EQ(h.fetched("g", "other", 0), -1);

  req.group_id = "nosuch";
  h.shard->delete_offsets(req, [&](protocol::OffsetDeleteResponse r) { out = std::move(r); });
  EXPECT_EQ(out->error_code, 69);
}

TEST(GroupOffsets, DeleteGroups) {
  GroupHarness h;
  const std::string id = stable_single(h, "live");
  h.commit("empty", -1, "", "t", 0, 1);
  std::vector<protocol::DeleteGroupsResponse::DeletableGroupResult> results;
  h.shard->delete_groups({"live", "empty", "nosuch"}, [&](auto r) { results = std::move(r); });
  h.services->settle();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].error_code, 68);  // NON_EMPTY_GROUP
  EXPECT_EQ(results[1].error_code, kNone);
  EXPECT_EQ(results[2].error_code, 69);  // GROUP_ID_NOT_FOUND
  EXPECT_EQ(h.shard->group("empty"), nullptr);
  EXPECT_EQ(h.fetched("empty", "t", 0), -1);
  h.reload();  // the tombstones hold after a reload
  EXPECT_EQ(h.shard->group("empty"), nullptr);
  EXPECT_NE(h.shard->group("live"), nullptr);
}

TEST(GroupOffsets, ListAndDescribe) {
  GroupHarness h;
  const std::string id = stable_single(h, "live");
  h.commit("simple", -1, "", "t", 0, 1);
  std::vector<protocol::ListGroupsResponse::ListedGroup> all, stable, none, classic;
  h.shard->list_groups({}, {}, all);
  h.shard->list_groups({"stable"}, {}, stable);
  h.shard->list_groups({}, {"consumer"}, none);
  h.shard->list_groups({"Empty"}, {"Classic"}, classic);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].group_id, "live");
  EXPECT_EQ(all[0].protocol_type, "consumer");
  EXPECT_EQ(all[0].group_state, "Stable");
  EXPECT_EQ(all[0].group_type, "classic");
  EXPECT_EQ(all[1].protocol_type, "");
  ASSERT_EQ(stable.size(), 1u);
  EXPECT_TRUE(none.empty());
  ASSERT_EQ(classic.size(), 1u);
  EXPECT_EQ(classic[0].group_id, "simple");

  auto d = h.shard->describe_group("live");
  EXPECT_EQ(d.group_state, "Stable");
  EXPECT_EQ(d.protocol_data, "range");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, id);
  EXPECT_EQ(d.members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(d.members[0].member_assignment, std::vector<uint8_t>{1});
  auto missing = h.shard->describe_group("nosuch");
  EXPECT_EQ(missing.error_code, kNone);
  EXPECT_EQ(missing.group_state, "Dead");
}

TEST(GroupOffsets, RetentionExpiresOffsetsOfEmptyGroupsAndThenTheGroup) {
  GroupConfig c = GroupHarness::test_config();
  c.offsets_retention_ms = 60000;
  c.offsets_retention_check_interval_ms = 10000;
  GroupHarness h(c);
  h.shard->on_loaded();  // starts the retention timer
  h.commit("simple", -1, "", "t", 0, 1);
  const std::string id = stable_single(h, "live");
  h.commit("live", 1, id, "t", 0, 2);
  for (int i = 0; i < 16; ++i) {
    h.services->advance(5000);
    EXPECT_EQ(h.heartbeat("live", id, 1), 0);
  }
  // The simple group's offset is older than the retention: gone, and the group.
  EXPECT_EQ(h.fetched("simple", "t", 0), -1);
  EXPECT_EQ(h.shard->group("simple"), nullptr);
  // A live group keeps its offsets.
  EXPECT_EQ(h.fetched("live", "t", 0), 2);
  // Once empty, its offsets expire a retention period after it emptied.
  h.leave("live", {{id, std::nullopt}});
  h.services->advance(1);
  EXPECT_EQ(h.state("live"), GroupState::empty);
  h.services->advance(50000);
  EXPECT_EQ(h.fetched("live", "t", 0), 2);
  h.services->advance(20000);
  EXPECT_EQ(h.fetched("live", "t", 0), -1);
  EXPECT_EQ(h.shard->group("live"), nullptr);
  // Tombstones were written, so a reload agrees.
  h.reload();
  EXPECT_EQ(h.shard->group("live"), nullptr);
  EXPECT_EQ(h.shard->group("simple"), nullptr);
}

}  // namespace
}  // namespace fjord::broker::coordinator::test
