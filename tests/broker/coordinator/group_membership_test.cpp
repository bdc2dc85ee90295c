// JoinGroup / SyncGroup / Heartbeat / LeaveGroup on one coordinator shard.
#include <gtest/gtest.h>

#include "group_test_client.h"

namespace fjord::broker::coordinator::test {
namespace {

constexpr int16_t kNone = 0;

// Two members join a new group within the initial delay; the leader assigns.
struct StableGroup {
  GroupHarness h;
  std::string leader, follower;
  int32_t generation = 0;

  explicit StableGroup(GroupConfig config = GroupHarness::test_config()) : h(config) {
    auto [a, ja] = h.join_new("g");
    auto [b, jb] = h.join_new("g");
    EXPECT_FALSE(ja->has_value());  // parked through the initial delay
    h.services->advance(3000);
    EXPECT_FALSE(ja->has_value());  // extended once: a member joined during it
    h.services->advance(3000);
    EXPECT_TRUE(ja->has_value() && jb->has_value());
    leader = (*ja)->leader;
    follower = leader == a ? b : a;
    generation = (*ja)->generation_id;
    auto fs = h.sync("g", follower, generation);
    EXPECT_FALSE(fs->has_value());  // waits for the leader's assignment
    auto ls = h.sync("g", leader, generation, {{leader, {0xA}}, {follower, {0xB}}});
    EXPECT_TRUE(ls->has_value() && fs->has_value());
    EXPECT_EQ((*ls)->assignment, std::vector<uint8_t>{0xA});
    EXPECT_EQ((*fs)->assignment, std::vector<uint8_t>{0xB});
    EXPECT_EQ(h.state("g"), GroupState::stable);
  }
};

TEST(GroupMembership, NewMemberGetsIdThenJoinsAfterTheInitialDelay) {
  GroupHarness h;
  auto first = h.join("g", "");
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->error_code, 79);  // MEMBER_ID_REQUIRED
  const std::string id = (*first)->member_id;
  EXPECT_EQ(id.rfind("client-", 0), 0u);

  auto joined = h.join("g", id);
  EXPECT_FALSE(joined->has_value());
  h.services->advance(2999);
  EXPECT_FALSE(joined->has_value());
  h.services->advance(1);
  ASSERT_TRUE(joined->has_value());
  const auto& r = **joined;
  EXPECT_EQ(r.error_code, kNone);
  EXPECT_EQ(r.generation_id, 1);
  EXPECT_EQ(r.leader, id);
  EXPECT_EQ(r.member_id, id);
  EXPECT_EQ(r.protocol_name, "range");
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].metadata, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(h.state("g"), GroupState::completing_rebalance);

  auto s = h.sync("g", id, 1, {{id, {9}}});
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ((*s)->error_code, kNone);
  EXPECT_EQ((*s)->assignment, std::vector<uint8_t>{9});
  EXPECT_EQ((*s)->protocol_name, "range");
  EXPECT_EQ(h.state("g"), GroupState::stable);
  EXPECT_EQ(h.heartbeat("g", id, 1), kNone);
}

TEST(GroupMembership, OldJoinVersionsGetAMemberIdWithoutTheExtraRoundTrip) {
  GroupHarness h;
  auto j = h.join("g", "", std::nullopt, {}, /*version=*/3);
  EXPECT_FALSE(j->has_value());
  h.services->advance(3000);
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->error_code, kNone);
  EXPECT_FALSE((*j)->member_id.empty());
}

TEST(GroupMembership, TwoMembersSplitAndTheFollowerWaitsForTheLeader) {
  StableGroup g;
  EXPECT_EQ(g.generation, 1);
  EXPECT_EQ(g.h.heartbeat("g", g.follower, 1), kNone);
  // A Stable group answers a late SyncGroup with the member's assignment.
  auto again = g.h.sync("g", g.follower, 1);
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->assignment, std::vector<uint8_t>{0xB});
}

TEST(GroupMembership, JoinErrors) {
  GroupHarness h;
  EXPECT_EQ((*h.join("", ""))->error_code, 24);                                   // INVALID_GROUP_ID
  EXPECT_EQ((*h.join("g", "", std::nullopt, {}, 7, 5999))->error_code, 26);       // INVALID_SESSION_TIMEOUT
  EXPECT_EQ((*h.join("g", "", std::nullopt, {}, 7, 1800001))->error_code, 26);
  EXPECT_EQ((*h.join("nosuch", "someone"))->error_code, 25);                      // UNKNOWN_MEMBER_ID
  Protocols none;
  none.list.clear();
  EXPECT_EQ((*h.join("g", "", std::nullopt, none))->error_code, 23);              // INCONSISTENT_GROUP_PROTOCOL
}

TEST(GroupMembership, ProtocolTypeAndProtocolsMustMatchTheGroup) {
  StableGroup g;
  Protocols other;
  other.type = "connect";
  EXPECT_EQ((*g.h.join("g", "", std::nullopt, other))->error_code, 23);
  Protocols disjoint;
  disjoint.list = {{"roundrobin", {}}};
  EXPECT_EQ((*g.h.join("g", "", std::nullopt, disjoint))->error_code, 23);
  // SyncGroup v5 checks the type and name the client believes in.
  auto s = g.h.sync("g", g.follower, 1, {}, std::nullopt, std::string("consumer"), std::string("roundrobin"));
  EXPECT_EQ((*s)->error_code, 23);
}

TEST(GroupMembership, ProtocolChosenByVoteAmongThoseAllSupport) {
  GroupHarness h;
  Protocols a, b;
  a.list = {{"sticky", {}}, {"range", {}}, {"roundrobin", {}}};
  b.list = {{"range", {}}, {"roundrobin", {}}};
  auto [ida, ja] = h.join_new("g", a);
  auto [idb, jb] = h.join_new("g", b);
  h.services->advance(6000);
  ASSERT_TRUE(ja->has_value());
  EXPECT_EQ((*ja)->protocol_name, "range");  // sticky lacks b's support; both vote range
}

TEST(GroupMembership, HeartbeatErrors) {
  StableGroup g;
  EXPECT_EQ(g.h.heartbeat("nosuch", g.leader, 1), 25);
  EXPECT_EQ(g.h.heartbeat("g", "stranger", 1), 25);
  EXPECT_EQ(g.h.heartbeat("g", g.leader, 7), 22);  // ILLEGAL_GENERATION
  EXPECT_EQ(g.h.heartbeat("", g.leader, 1), 24);
  // The leader's rejoin starts a rebalance: the others learn it by heartbeat.
  auto lj = g.h.join("g", g.leader);
  EXPECT_EQ(g.h.state("g"), GroupState::preparing_rebalance);
  EXPECT_EQ(g.h.heartbeat("g", g.follower, 1), 27);  // REBALANCE_IN_PROGRESS
  EXPECT_EQ((*g.h.sync("g", g.follower, 1))->error_code, 27);
  auto fj = g.h.join("g", g.follower);
  // Both rejoined: the next generation completes at once, no member lost.
  ASSERT_TRUE(lj->has_value() && fj->has_value());
  EXPECT_EQ((*lj)->generation_id, 2);
  EXPECT_EQ((*lj)->members.size(), 2u);
}

TEST(GroupMembership, ExpiredSessionRemovesTheMemberAndRebalances) {
  StableGroup g;
  // Only the leader keeps heartbeating.
  for (int i = 0; i < 2; ++i) {
    g.h.services->advance(4000);
    EXPECT_EQ(g.h.heartbeat("g", g.leader, 1), kNone);
  }
  g.h.services->advance(4000);  // 12 s after the follower's last call: its 10 s session is over
  EXPECT_EQ(g.h.state("g"), GroupState::preparing_rebalance);
  EXPECT_EQ(g.h.heartbeat("g", g.follower, 1), 25);
  EXPECT_EQ(g.h.heartbeat("g", g.leader, 1), 27);
  auto j = g.h.join("g", g.leader);
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->generation_id, 2);
  EXPECT_EQ((*j)->members.size(), 1u);
}

TEST(GroupMembership, MembersThatDoNotRejoinInTimeAreDropped) {
  StableGroup g;
  auto lj = g.h.join("g", g.leader);  // the follower never rejoins
  g.h.services->advance(10000 - 1);
  EXPECT_EQ(g.h.heartbeat("g", g.leader, 1), 27);
  g.h.services->advance(30000);  // rebalance timeout
  ASSERT_TRUE(lj->has_value());
  EXPECT_EQ((*lj)->generation_id, 2);
  EXPECT_EQ((*lj)->members.size(), 1u);
}

TEST(GroupMembership, MembersThatDoNotSyncAreRemoved) {
  GroupHarness h;
  auto [a, ja] = h.join_new("g");
  auto [b, jb] = h.join_new("g");
  h.services->advance(6000);
  const std::string leader = (*ja)->leader;
  auto ls = h.sync("g", leader, 1, {});
  ASSERT_TRUE(ls->has_value());
  // The other never syncs: after the rebalance timeout it is gone.
  h.heartbeat("g", leader, 1);
  for (int i = 0; i < 8; ++i) {
    h.services->advance(4000);
    h.heartbeat("g", leader, h.shard->group("g")->generation_id());
  }
  EXPECT_EQ(h.shard->group("g")->size(), 1u);
}

TEST(GroupMembership, LeaveGroupRebalancesAndAnswersPerMember) {
  StableGroup g;
  auto r = g.h.leave("g", {{g.follower, std::nullopt}, {"stranger", std::nullopt}, {"", std::string("nobody")}});
  EXPECT_EQ(r.error_code, kNone);
  ASSERT_EQ(r.members.size(), 3u);
  EXPECT_EQ(r.members[0].error_code, kNone);
  EXPECT_EQ(r.members[1].error_code, 25);
  EXPECT_EQ(r.members[2].error_code, 25);
  EXPECT_EQ(g.h.state("g"), GroupState::preparing_rebalance);
  auto missing = g.h.leave("nosuch", {{"x", std::nullopt}});
  EXPECT_EQ(missing.error_code, kNone);
  EXPECT_EQ(missing.members.at(0).error_code, 25);
  // The last member leaving empties the group: generation 3 is Empty.
  auto j = g.h.join("g", g.leader);
  ASSERT_TRUE(j->has_value());
  g.h.leave("g", {{g.leader, std::nullopt}});
  g.h.services->advance(1);
  EXPECT_EQ(g.h.state("g"), GroupState::empty);
}

TEST(GroupMembership, GroupMaxSize) {
  GroupConfig c = GroupHarness::test_config();
  c.max_size = 1;
  GroupHarness h(c);
  auto [a, ja] = h.join_new("g");
  auto second = h.join("g", "", std::nullopt, {}, 3);
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->error_code, 81);  // GROUP_MAX_SIZE_REACHED
}

TEST(GroupMembership, StaticMemberRestartKeepsItsAssignmentWithoutRebalance) {
  GroupHarness h;
  auto j1 = h.join("g", "", std::string("instance-1"));
  auto j2 = h.join("g", "", std::string("instance-2"));
  h.services->advance(6000);
  ASSERT_TRUE(j1->has_value() && j2->has_value());
  const std::string m1 = (*j1)->member_id, m2 = (*j2)->member_id;
  EXPECT_EQ(m1.rfind("instance-1-", 0), 0u);
  const std::string leader = (*j1)->leader;
  auto s1 = h.sync("g", m1, 1, leader == m1 ? std::vector<std::pair<std::string, std::vector<uint8_t>>>{{m1, {1}}, {m2, {2}}}
                                             : std::vector<std::pair<std::string, std::vector<uint8_t>>>{},
                   std::string("instance-1"));
  auto s2 = h.sync("g", m2, 1, leader == m2 ? std::vector<std::pair<std::string, std::vector<uint8_t>>>{{m1, {1}}, {m2, {2}}}
                                             : std::vector<std::pair<std::string, std::vector<uint8_t>>>{},
                   std::string("instance-2"));
  ASSERT_TRUE(s1->has_value() && s2->has_value());
  EXPECT_EQ(h.state("g"), GroupState::stable);

  // instance-2 restarts: a new member id, same generation, no rebalance.
  auto again = h.join("g", "", std::string("instance-2"));
  ASSERT_TRUE(again->has_value());
  const std::string m2b = (*again)->member_id;
  EXPECT_NE(m2b, m2);
  EXPECT_EQ((*again)->generation_id, 1);
  EXPECT_EQ(h.state("g"), GroupState::stable);
  auto s = h.sync("g", m2b, 1, {}, std::string("instance-2"));
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ((*s)->assignment, std::vector<uint8_t>{2});
  // The old incarnation is fenced.
  EXPECT_EQ(h.heartbeat("g", m2, 1, std::string("instance-2")), 82);  // FENCED_INSTANCE_ID
  EXPECT_EQ((*h.join("g", m2, std::string("instance-2")))->error_code, 82);
  EXPECT_EQ(h.heartbeat("g", m2b, 1, std::string("instance-2")), kNone);
  EXPECT_EQ(h.heartbeat("g", m1, 1, std::string("instance-1")), kNone);
  // Administrative removal by instance id.
  auto r = h.leave("g", {{"", std::string("instance-2")}});
  EXPECT_EQ(r.members.at(0).error_code, kNone);
  EXPECT_EQ(h.state("g"), GroupState::preparing_rebalance);
}

TEST(GroupMembership, StaticMemberThatDoesNotRejoinKeepsItsPlaceThroughTheJoinPhase) {
  GroupHarness h;
  auto j1 = h.join("g", "", std::string("i1"));
  auto j2 = h.join("g", "", std::string("i2"));
  h.services->advance(6000);
  const std::string m1 = (*j1)->member_id, m2 = (*j2)->member_id;
  const std::string leader = (*j1)->leader;
  h.sync("g", leader, 1, {{m1, {1}}, {m2, {2}}}, leader == m1 ? std::string("i1") : std::string("i2"));
  // i1 rejoins; i2 keeps heartbeating but does not rejoin before the rebalance timeout.
  auto rejoin = h.join("g", m1, std::string("i1"));
  for (int i = 0; i < 8; ++i) {
    h.services->advance(4000);
    h.heartbeat("g", m2, 1, std::string("i2"));
  }
  ASSERT_TRUE(rejoin->has_value());
  EXPECT_EQ((*rejoin)->generation_id, 2);
  EXPECT_TRUE(h.shard->group("g")->has_member(m2));  // static: not dropped by the join phase
}

TEST(GroupMembership, CooperativeRejoinsKeepEveryMember) {
  StableGroup g;
  for (int round = 0; round < 3; ++round) {
    auto a = g.h.join("g", g.leader);
    auto b = g.h.join("g", g.follower);
    ASSERT_TRUE(a->has_value() && b->has_value());
    const int32_t gen = (*a)->generation_id;
    EXPECT_EQ((*a)->members.size(), 2u);
    auto fs = g.h.sync("g", g.follower, gen);
    auto ls = g.h.sync("g", g.leader, gen, {{g.leader, {1}}, {g.follower, {2}}});
    ASSERT_TRUE(fs->has_value() && ls->has_value());
    EXPECT_EQ((*fs)->error_code, kNone);
    EXPECT_EQ(g.h.state("g"), GroupState::stable);
  }
  EXPECT_EQ(g.h.shard->group("g")->generation_id(), 4);
}

TEST(GroupMembership, AnyProtocolTypeIsHandledGenerically) {
  GroupHarness h;
  Protocols connect;
  connect.type = "connect";
  connect.list = {{"sessioned", {7}}};
  auto [id, j] = h.join_new("workers", connect);
  h.services->advance(3000);
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->protocol_type, "connect");
  EXPECT_EQ((*j)->protocol_name, "sessioned");
}

TEST(GroupMembership, FailedAssignmentWriteSendsMembersBackToRejoin) {
  GroupHarness h;
  auto [id, j] = h.join_new("g");
  h.services->advance(3000);
  h.services->fail_writes_with = 16;
  auto s = h.sync("g", id, 1, {{id, {1}}});
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ((*s)->error_code, 16);
  EXPECT_EQ(h.state("g"), GroupState::preparing_rebalance);
}

TEST(GroupMembership, UnloadAnswersParkedCallsWithNotCoordinator) {
  GroupHarness h;
  auto [id, j] = h.join_new("g");
  h.shard->on_unloaded();
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->error_code, 16);
}

}  // namespace
}  // namespace fjord::broker::coordinator::test
