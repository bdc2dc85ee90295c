#pragma once
// Drives a GroupCoordinatorShard as clients would: builds requests and
// captures the (possibly later) answers.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/coordinator/group_coordinator_shard.h"
#include "fake_shard_services.h"

namespace fjord::broker::coordinator::test {

struct Protocols {
  std::string type = "consumer";
  std::vector<std::pair<std::string, std::vector<uint8_t>>> list = {{"range", {1, 2, 3}}};
};

// A ConsumerProtocolSubscription v0: version, topics, null user data.
inline std::vector<uint8_t> subscription(const std::vector<std::string>& topics) {
  protocol::Writer w;
  w.i16(0);
  w.i32(int32_t(topics.size()));
  for (const auto& t : topics) w.string(t, false);
  w.i32(-1);
  return w.buffer();
}

class GroupHarness {
 public:
  explicit GroupHarness(GroupConfig config = test_config()) { reset(config); }

  static GroupConfig test_config() {
    GroupConfig c;
    c.initial_rebalance_delay_ms = 3000;
    return c;
  }

  void reset(GroupConfig config) {
    services = std::make_unique<FakeShardServices>();
    shard = std::make_unique<GroupCoordinatorShard>(*services, config);
    services->shard = shard.get();
  }

  // A shard loaded from everything written so far (a restart).
  void reload() {
    auto log = std::move(services->log);
    const int64_t now = services->now;
    const GroupConfig config = shard->config();
    reset(config);
    services->now = now;
    for (auto& r : log) {
      RecordView v{{r.key.data(), r.key.size()}, std::nullopt};
      if (r.value) v.value = std::span<const uint8_t>(r.value->data(), r.value->size());
      shard->replay(v);
    }
    services->log = std::move(log);
    shard->on_loaded();
  }

  using JoinSlot = std::shared_ptr<std::optional<protocol::JoinGroupResponse>>;
  using SyncSlot = std::shared_ptr<std::optional<protocol::SyncGroupResponse>>;

  JoinSlot join(const std::string& group, const std::string& member_id, std::optional<std::string> instance = {},
                Protocols protocols = {}, int16_t version = 7, int32_t session_ms = 10000,
                int32_t rebalance_ms = 30000) {
    protocol::JoinGroupRequest req;
    req.group_id = group;
    req.member_id = member_id;
    req.group_instance_id = std::move(instance);
    req.protocol_type = protocols.type;
    req.session_timeout_ms = session_ms;
    req.rebalance_timeout_ms = rebalance_ms;
    for (auto& [name, meta] : protocols.list) req.protocols.push_back({name, meta});
    auto slot = std::make_shared<std::optional<protocol::JoinGroupResponse>>();
    shard->join_group(req, version, {"client", "/127.0.0.1"}, [slot](protocol::JoinGroupResponse r) {
      EXPECT_FALSE(slot->has_value()) << "answered twice";
      *slot = std::move(r);
    });
    services->settle();
    return slot;
  }

  // Joins a new dynamic member the v4+ way and returns its parked join.
  std::pair<std::string, JoinSlot> join_new(const std::string& group, Protocols protocols = {}) {
    auto first = join(group, "", std::nullopt, protocols);
    EXPECT_TRUE(first->has_value());
    EXPECT_EQ((*first)->error_code, 79);  // MEMBER_ID_REQUIRED
    std::string id = (*first)->member_id;
    return {id, join(group, id, std::nullopt, protocols)};
  }

  SyncSlot sync(const std::string& group, const std::string& member_id, int32_t generation,
                std::vector<std::pair<std::string, std::vector<uint8_t>>> assignments = {},
                std::optional<std::string> instance = {}, std::optional<std::string> protocol_type = {},
                std::optional<std::string> protocol_name = {}) {
    protocol::SyncGroupRequest req;
    req.group_id = group;
    req.member_id = member_id;
    req.generation_id = generation;
    req.group_instance_id = std::move(instance);
    req.protocol_type = std::move(protocol_type);
    req.protocol_name = std::move(protocol_name);
    for (auto& [m, a] : assignments) req.assignments.push_back({m, a});
    auto slot = std::make_shared<std::optional<protocol::SyncGroupResponse>>();
    shard->sync_group(req, 5, [slot](protocol::SyncGroupResponse r) {
      EXPECT_FALSE(slot->has_value()) << "answered twice";
      *slot = std::move(r);
    });
    services->settle();
    return slot;
  }

  int16_t heartbeat(const std::string& group, const std::string& member_id, int32_t generation,
                    std::optional<std::string> instance = {}) {
    protocol::HeartbeatRequest req;
    req.group_id = group;
    req.member_id = member_id;
    req.generation_id = generation;
    req.group_instance_id = std::move(instance);
    return shard->heartbeat(req).error_code;
  }

  protocol::LeaveGroupResponse leave(const std::string& group, std::vector<std::pair<std::string, std::optional<std::string>>> who) {
    std::vector<protocol::LeaveGroupRequest::MemberIdentity> members;
    for (auto& [m, i] : who) members.push_back({m, i, std::nullopt});
    auto r = shard->leave_group(group, members);
    services->settle();
    return r;
  }

  protocol::OffsetCommitResponse commit(const std::string& group, int32_t generation, const std::string& member_id,
                                        const std::string& topic, int32_t partition, int64_t offset,
                                        int16_t version = 8, std::string metadata = "",
                                        std::optional<std::string> instance = {}) {
    protocol::OffsetCommitRequest req;
    req.group_id = group;
    req.generation_id_or_member_epoch = generation;
    req.member_id = member_id;
    req.group_instance_id = std::move(instance);
    auto& t = req.topics.emplace_back();
    t.name = topic;
    auto& p = t.partitions.emplace_back();
    p.partition_index = partition;
    p.committed_offset = offset;
    p.committed_metadata = metadata;
    std::optional<protocol::OffsetCommitResponse> out;
    shard->commit_offsets(req, version, [&out](protocol::OffsetCommitResponse r) { out = std::move(r); });
    services->settle();
    EXPECT_TRUE(out.has_value());
    return out.value_or(protocol::OffsetCommitResponse{});
  }

  int16_t commit_error(const std::string& group, int32_t generation, const std::string& member_id,
                       int16_t version = 8) {
    auto r = commit(group, generation, member_id, "t", 0, 1, version);
    return r.topics.at(0).partitions.at(0).error_code;
  }

  // The committed offset of one partition, -1 when none.
  int64_t fetched(const std::string& group, const std::string& topic, int32_t partition) {
    GroupCoordinatorShard::FetchTopics topics{{{topic, {partition}}}};
    auto g = shard->fetch_offsets(group, topics, false);
    return g.topics.at(0).partitions.at(0).committed_offset;
  }

  GroupState state(const std::string& group) const {
    const ClassicGroup* g = shard->group(group);
    return g ? g->state() : GroupState::dead;
  }

  std::unique_ptr<FakeShardServices> services;
  std::unique_ptr<GroupCoordinatorShard> shard;
};

}  // namespace fjord::broker::coordinator::test
