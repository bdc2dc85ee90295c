// The group APIs through their handlers and the wire codecs, with a real
// group coordinator over the fixture's logs: every version encodes and
// decodes, old versions' error placement, batched forms, FindCoordinator
// answers per shard, and __consumer_offsets' protections.
#include <gtest/gtest.h>

#include <future>

#include "broker/coordinator/group_coordinator.h"
#include "handler_fixture.h"
#include "protocol/messages/delete_topics_request.h"
#include "protocol/messages/delete_topics_response.h"
#include "protocol/messages/describe_groups_request.h"
#include "protocol/messages/describe_groups_response.h"
#include "protocol/messages/find_coordinator_request.h"
#include "protocol/messages/find_coordinator_response.h"
#include "protocol/messages/heartbeat_request.h"
#include "protocol/messages/heartbeat_response.h"
#include "protocol/messages/join_group_request.h"
#include "protocol/messages/join_group_response.h"
#include "protocol/messages/leave_group_request.h"
#include "protocol/messages/leave_group_response.h"
#include "protocol/messages/list_groups_request.h"
#include "protocol/messages/list_groups_response.h"
#include "protocol/messages/offset_commit_request.h"
#include "protocol/messages/offset_commit_response.h"
#include "protocol/messages/offset_fetch_request.h"
#include "protocol/messages/offset_fetch_response.h"
#include "protocol/messages/sync_group_request.h"
#include "protocol/messages/sync_group_response.h"

namespace fjord::broker {
namespace {

class GroupHandlersTest : public HandlersTest {
 protected:
  void SetUp() override {
    start([](ServerConfig& c) { c.group_initial_rebalance_delay_ms = 0; });
    coordinator::GroupCoordinatorOptions o;
    o.group.initial_rebalance_delay_ms = 0;
    o.offsets_topic_partitions = 4;
    groups_ = std::make_unique<coordinator::GroupCoordinator>(*logs_, leadership_, o);
    groups_->start();
    ASSERT_TRUE(groups_->runtime().wait_loaded(std::chrono::seconds(10)));
    ctx_->groups = groups_.get();
  }
  void TearDown() override {
    groups_->shutdown();
    HandlersTest::TearDown();
  }

  protocol::JoinGroupRequest join_request(const std::string& group, const std::string& member) {
    protocol::JoinGroupRequest j;
    j.group_id = group;
    j.member_id = member;
    j.session_timeout_ms = 10000;
    j.rebalance_timeout_ms = 10000;
    j.protocol_type = "consumer";
    j.protocols.push_back({"range", {1}});
    return j;
  }

  // A one-member Stable group at `version`; returns its member id.
  std::string stable_group(const std::string& group, int16_t version) {
    auto j = join_request(group, "");
    auto r = ask<protocol::JoinGroupResponse>(j, version);
    if (version >= 4) {
      EXPECT_EQ(r.error_code, 79) << "v" << version;
      j.member_id = r.member_id;
      r = ask<protocol::JoinGroupResponse>(j, version);
    }
    EXPECT_EQ(r.error_code, 0) << "v" << version;
    EXPECT_EQ(r.generation_id, 1);
    EXPECT_EQ(r.leader, r.member_id);
    EXPECT_EQ(r.protocol_name.value_or(""), "range");
    protocol::SyncGroupRequest s;
    s.group_id = group;
    s.member_id = r.member_id;
    s.generation_id = 1;
    s.assignments.push_back({r.member_id, {4, 2}});
    auto sr = ask<protocol::SyncGroupResponse>(s, std::min<int16_t>(version, 5));
    EXPECT_EQ(sr.error_code, 0);
    EXPECT_EQ(sr.assignment, (std::vector<uint8_t>{4, 2}));
    return r.member_id;
  }

  LocalLeadership leadership_;
  std::unique_ptr<coordinator::GroupCoordinator> groups_;
};

TEST_F(GroupHandlersTest, EveryJoinGroupVersionForms) {
  for (int16_t v = 0; v <= 9; ++v) {
    const std::string group = "g" + std::to_string(v);
    const std::string id = stable_group(group, v);
    EXPECT_EQ(id.rfind("tester-", 0), 0u) << id;
    protocol::HeartbeatRequest hb;
    hb.group_id = group;
    hb.member_id = id;
    hb.generation_id = 1;
    EXPECT_EQ(ask<protocol::HeartbeatResponse>(hb, std::min<int16_t>(v, 4)).error_code, 0);
    hb.generation_id = 2;
    EXPECT_EQ(ask<protocol::HeartbeatResponse>(hb, std::min<int16_t>(v, 4)).error_code, 22);
  }
}

TEST_F(GroupHandlersTest, LeaveGroupOldVersionsCarryTheMemberErrorAtTheTop) {
  const std::string id = stable_group("g", 7);
  protocol::LeaveGroupRequest old;
  old.group_id = "g";
  old.member_id = "stranger";
  EXPECT_EQ(ask<protocol::LeaveGroupResponse>(old, 1).error_code, 25);
  protocol::LeaveGroupRequest batched;
  batched.group_id = "g";
  batched.members.push_back({id, std::nullopt, std::string("bye")});
  batched.members.push_back({"stranger", std::nullopt, std::nullopt});
  auto r = ask<protocol::LeaveGroupResponse>(batched, 5);
  EXPECT_EQ(r.error_code, 0);
  ASSERT_EQ(r.members.size(), 2u);
  EXPECT_EQ(r.members[0].error_code, 0);
  EXPECT_EQ(r.members[1].error_code, 25);
  old.member_id = id;
  old.group_id = "";
  EXPECT_EQ(ask<protocol::LeaveGroupResponse>(old, 0).error_code, 24);
}

TEST_F(GroupHandlersTest, OffsetCommitAndFetchEveryForm) {
  protocol::OffsetCommitRequest c;
  c.group_id = "simple";
  auto& t = c.topics.emplace_back();
  t.name = "orders";
  t.partitions.push_back({0, 100, -1, -1, std::string("m0")});
  t.partitions.push_back({1, 101, 5, -1, std::string("m1")});
  for (int16_t v : {0, 1, 2, 5, 8, 9}) {
    auto r = ask<protocol::OffsetCommitResponse>(c, v);
    ASSERT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].partitions[1].error_code, 0) << "v" << v;
  }
  protocol::OffsetFetchRequest f;
  f.group_id = "simple";
  f.topics.emplace();
  f.topics->push_back({"orders", {0, 1, 2}});
  for (int16_t v : {0, 1, 2, 5, 7}) {
    auto r = ask<protocol::OffsetFetchResponse>(f, v);
    ASSERT_EQ(r.topics.size(), 1u) << "v" << v;
    EXPECT_EQ(r.topics[0].partitions[0].committed_offset, 100);
    EXPECT_EQ(r.topics[0].partitions[1].metadata, "m1");
    EXPECT_EQ(r.topics[0].partitions[2].committed_offset, -1);
  }
  f.topics = std::nullopt;  // v2+: every committed offset
  auto all = ask<protocol::OffsetFetchResponse>(f, 6);
  ASSERT_EQ(all.topics.size(), 1u);
  EXPECT_EQ(all.topics[0].partitions.size(), 2u);

  protocol::OffsetFetchRequest batched;  // v8+: several groups
  batched.groups.push_back({"simple", std::nullopt, -1, std::nullopt});
  batched.groups.push_back({"unknown", std::nullopt, -1, std::vector<protocol::OffsetFetchRequest::OffsetFetchRequestTopics>{{"orders", {0}}}});
  batched.require_stable = true;
  auto r = ask<protocol::OffsetFetchResponse>(batched, 9);
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].group_id, "simple");
  EXPECT_EQ(r.groups[0].topics.at(0).partitions.at(1).committed_leader_epoch, 5);
  EXPECT_EQ(r.groups[1].error_code, 0);
  EXPECT_EQ(r.groups[1].topics.at(0).partitions.at(0).committed_offset, -1);
}

TEST_F(GroupHandlersTest, ListAndDescribeGroups) {
  const std::string id = stable_group("listed", 7);
  protocol::ListGroupsRequest l;
  for (int16_t v : {0, 3, 4, 5}) {
    auto r = ask<protocol::ListGroupsResponse>(l, v);
    EXPECT_EQ(r.error_code, 0);
    ASSERT_EQ(r.groups.size(), 1u) << "v" << v;
    EXPECT_EQ(r.groups[0].group_id, "listed");
    EXPECT_EQ(r.groups[0].protocol_type, "consumer");
  }
  l.states_filter = {"Empty"};
  EXPECT_TRUE(ask<protocol::ListGroupsResponse>(l, 4).groups.empty());
  l.states_filter = {"STABLE"};
  EXPECT_EQ(ask<protocol::ListGroupsResponse>(l, 5).groups.at(0).group_state, "Stable");

  protocol::DescribeGroupsRequest d;
  d.groups = {"listed", "nosuch"};
  d.include_authorized_operations = true;
  auto r = ask<protocol::DescribeGroupsResponse>(d, 5);
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].group_state, "Stable");
  EXPECT_EQ(r.groups[0].protocol_data, "range");
  ASSERT_EQ(r.groups[0].members.size(), 1u);
  EXPECT_EQ(r.groups[0].members[0].member_id, id);
  EXPECT_EQ(r.groups[0].members[0].client_id, "tester");
  EXPECT_EQ(r.groups[0].members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(r.groups[0].authorized_operations, (1 << 3) | (1 << 6) | (1 << 8));
  EXPECT_EQ(r.groups[1].group_state, "Dead");
}

TEST_F(GroupHandlersTest, FindCoordinatorFollowsTheShards) {
  protocol::FindCoordinatorRequest req;
  req.key = "some-group";
  EXPECT_EQ(ask<protocol::FindCoordinatorResponse>(req, 3).error_code, 0);
  const int32_t shard = groups_->partition_for("some-group");
  groups_->runtime().unload(shard);
  ASSERT_TRUE(groups_->runtime().wait_loaded(std::chrono::seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the unload runs on the shard's strand
  auto r = ask<protocol::FindCoordinatorResponse>(req, 3);
  EXPECT_EQ(r.error_code, 16);  // NOT_COORDINATOR
  EXPECT_EQ(r.node_id, -1);
  auto j = ask<protocol::JoinGroupResponse>(join_request("some-group", ""), 7);
  EXPECT_EQ(j.error_code, 16);
  protocol::FindCoordinatorRequest batched;
  batched.key_type = 0;
  batched.coordinator_keys = {"some-group", "other-group-1"};
  auto b = ask<protocol::FindCoordinatorResponse>(batched, 4);
  ASSERT_EQ(b.coordinators.size(), 2u);
  EXPECT_EQ(b.coordinators[0].error_code, 16);
  groups_->runtime().load(shard);
  ASSERT_TRUE(groups_->runtime().wait_loaded(std::chrono::seconds(5)));
  EXPECT_EQ(ask<protocol::FindCoordinatorResponse>(req, 3).error_code, 0);
}

TEST_F(GroupHandlersTest, ConsumerOffsetsIsInternal) {
  // Listed only when asked for by name, and then as internal.
  for (const auto& t : metadata(std::nullopt, 9).topics) EXPECT_NE(t.name, "__consumer_offsets");
  auto named = metadata(std::vector<std::string>{"__consumer_offsets"}, 9);
  ASSERT_EQ(named.topics.size(), 1u);
  EXPECT_TRUE(named.topics[0].is_internal);
  EXPECT_EQ(named.topics[0].partitions.size(), 4u);
  // Clients may not write it (Kafka: INVALID_TOPIC_EXCEPTION) nor delete it.
  auto data = batch(1);
  EXPECT_EQ(decode_produce(produce("__consumer_offsets", data, 1)).responses.at(0).partition_responses.at(0).error_code,
            17);
  protocol::DeleteTopicsRequest del;
  del.topic_names = {"__consumer_offsets"};
  auto r = roundtrip<protocol::DeleteTopicsResponse>(del, 4);
  EXPECT_EQ(r.responses.at(0).error_code, 42);
  EXPECT_TRUE(logs_->topic("__consumer_offsets").has_value());
}

}  // namespace
}  // namespace fjord::broker
