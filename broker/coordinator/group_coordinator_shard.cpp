#include "broker/coordinator/group_coordinator_shard.h"

#include <spdlog/spdlog.h>

#include "broker/coordinator/group_errors.h"

namespace fjord::broker::coordinator {

GroupCoordinatorShard::GroupCoordinatorShard(ShardServices& services, GroupConfig config)
    : services_(services), config_(config) {}

GroupCoordinatorShard::~GroupCoordinatorShard() = default;

ClassicGroup* GroupCoordinatorShard::find_group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

const ClassicGroup* GroupCoordinatorShard::group(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

const OffsetAndMetadata* GroupCoordinatorShard::offset(const std::string& group_id, const std::string& topic,
                                                       int32_t partition) const {
  auto g = offsets_.find(group_id);
  if (g == offsets_.end()) return nullptr;
  auto t = g->second.find(topic);
  if (t == g->second.end()) return nullptr;
  auto p = t->second.find(partition);
  return p == t->second.end() ? nullptr : &p->second;
}

ClassicGroup& GroupCoordinatorShard::create_group(const std::string& group_id) {
  auto& slot = groups_[group_id];
  slot = std::make_unique<ClassicGroup>(group_id, GroupState::empty, services_.now_ms());
  return *slot;
}

// --- records ---

CoordinatorRecord GroupCoordinatorShard::group_metadata_record(
    const ClassicGroup& g, const std::map<std::string, std::vector<uint8_t>>& assignment) const {
  GroupMetadataValue v;
  v.protocol_type = g.protocol_type().value_or("");
  v.generation = g.generation_id();
  v.protocol = g.protocol_name();
  v.leader = g.leader_id();
  v.current_state_timestamp = g.current_state_timestamp();
  for (const auto& [id, m] : g.members()) {
    auto& mm = v.members.emplace_back();
    mm.member_id = id;
    mm.group_instance_id = m.group_instance_id;
    mm.client_id = m.client_id;
    mm.client_host = m.client_host;
    mm.rebalance_timeout = m.rebalance_timeout_ms;
    mm.session_timeout = m.session_timeout_ms;
    mm.subscription = g.protocol_name() ? m.metadata(*g.protocol_name()) : std::vector<uint8_t>{};
    auto a = assignment.find(id);
    if (a != assignment.end()) mm.assignment = a->second;
  }
  return {encode_key(GroupMetadataKey{g.group_id()}), encode_value(v)};
}

CoordinatorRecord GroupCoordinatorShard::group_tombstone(const std::string& group_id) {
  return {encode_key(GroupMetadataKey{group_id}), std::nullopt};
}

CoordinatorRecord GroupCoordinatorShard::offset_tombstone(const std::string& group_id, const std::string& topic,
                                                          int32_t partition) {
  return {encode_key(OffsetCommitKey{group_id, topic, partition}), std::nullopt};
}

// --- replay: loading and applying written offsets/tombstones ---

void GroupCoordinatorShard::replay(const RecordView& record) {
  GroupRecordKey key;
  if (!decode_key(record.key, &key)) {
    spdlog::warn("group coordinator: skipping a record with a malformed key");
    return;
  }
  switch (key.kind) {
    case GroupRecordKey::Kind::offset_commit: return replay_offset(key.offset_commit, record.value, record.producer_id);
    case GroupRecordKey::Kind::group_metadata: return replay_group(key.group_metadata.group, record.value);
    case GroupRecordKey::Kind::unknown: return;  // records of the new consumer protocol: not used here
  }
}

void GroupCoordinatorShard::replay_offset(const OffsetCommitKey& key,
                                          const std::optional<std::span<const uint8_t>>& value, int64_t producer_id) {
  if (!value) {
    auto g = offsets_.find(key.group);
    if (g == offsets_.end()) return;
    auto t = g->second.find(key.topic);
    if (t == g->second.end()) return;
    t->second.erase(key.partition);
    if (t->second.empty()) g->second.erase(t);
    if (g->second.empty()) offsets_.erase(g);
    return;
  }
  OffsetCommitValue v;
  if (!decode_value(*value, &v)) {
    spdlog::warn("group {}: skipping a malformed offset commit record", key.group);
    return;
  }
  // Offsets without a group: a "simple" group (no protocol type) holds them.
  if (!find_group(key.group)) create_group(key.group);
  OffsetAndMetadata o{v.offset, v.leader_epoch, std::move(v.metadata), v.commit_timestamp, v.expire_timestamp};
  if (producer_id >= 0) {  // TxnOffsetCommit: pending until its transaction ends
    pending_txn_offsets_[producer_id][key.group][key.topic][key.partition] = std::move(o);
    return;
  }
  offsets_[key.group][key.topic][key.partition] = std::move(o);
}

void GroupCoordinatorShard::replay_group(const std::string& group_id,
                                         const std::optional<std::span<const uint8_t>>& value) {
  if (!value) {
    groups_.erase(group_id);  // its offsets' tombstones were written before
    return;
  }
  GroupMetadataValue v;
  if (!decode_value(*value, &v)) {
    spdlog::warn("group {}: skipping a malformed group metadata record", group_id);
    return;
  }
  const int64_t ts = v.current_state_timestamp;
  auto g = std::make_unique<ClassicGroup>(group_id, v.members.empty() ? GroupState::empty : GroupState::stable,
                                          ts >= 0 ? ts : services_.now_ms());
  std::optional<std::string> protocol_type;
  if (!v.protocol_type.empty()) protocol_type = v.protocol_type;
  g->restore(v.generation, protocol_type, v.protocol, v.leader, ts);
  for (auto& mm : v.members) {
    ClassicMember m;
    m.member_id = mm.member_id;
    m.group_instance_id = mm.group_instance_id;
    m.client_id = mm.client_id;
    m.client_host = mm.client_host;
    m.rebalance_timeout_ms = mm.rebalance_timeout < 0 ? mm.session_timeout : mm.rebalance_timeout;
    m.session_timeout_ms = mm.session_timeout;
    m.protocol_type = v.protocol_type;
    m.protocols.push_back({v.protocol.value_or(""), std::move(mm.subscription)});
    m.assignment = std::move(mm.assignment);
    g->add(std::move(m));
  }
  g->refresh_subscribed_topics();
  groups_[group_id] = std::move(g);
}

void GroupCoordinatorShard::on_loaded() {
  for (auto& [id, g] : groups_) {
    for (const auto& [mid, m] : g->members()) reschedule_heartbeat(*g, m);
    if (int64_t(g->size()) > config_.max_size)
      prepare_rebalance(*g, "loaded group is over its capacity " + std::to_string(config_.max_size));
  }
  schedule_retention();
}

void GroupCoordinatorShard::on_unloaded() {
  const int64_t now = services_.now_ms();
  for (auto& [id, g] : groups_) {
    g->transition_to(GroupState::dead, now);
    std::vector<std::string> ids;
    for (const auto& [mid, m] : g->members()) ids.push_back(mid);
    for (const auto& mid : ids) {
      ClassicMember& m = *g->member(mid);
      protocol::JoinGroupResponse j;
      j.member_id = mid;
      j.error_code = error::kNotCoordinator;
      j.generation_id = -1;
      g->complete_join(m, std::move(j));
      protocol::SyncGroupResponse s;
      s.error_code = error::kNotCoordinator;
      g->complete_sync(m, std::move(s));
    }
  }
  groups_.clear();
  offsets_.clear();
  pending_txn_offsets_.clear();
}

}  // namespace fjord::broker::coordinator
