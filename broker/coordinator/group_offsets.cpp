// OffsetCommit, OffsetFetch, OffsetDelete and offsets retention (Kafka's
// OffsetMetadataManager for classic groups).
#include <spdlog/spdlog.h>

#include "broker/coordinator/group_coordinator_shard.h"
#include "broker/coordinator/group_errors.h"
#include "broker/coordinator/offset_commit_answer.h"

namespace fjord::broker::coordinator {

int16_t GroupCoordinatorShard::validate_offset_commit(ClassicGroup* g, const protocol::OffsetCommitRequest& req,
                                                      int16_t version) {
  const int32_t generation = req.generation_id_or_member_epoch;
  if (!g) {
    // Without a group only a commit outside group management (generation
    // -1) is taken: it creates a "simple" group.
    if (generation < 0) return error::kNone;
    return version >= 9 ? error::kGroupIdNotFound : error::kIllegalGeneration;
  }
  if (g->is(GroupState::dead)) return error::kCoordinatorNotAvailable;
  if (generation < 0 && g->is(GroupState::empty)) return error::kNone;
  if (generation >= 0 || !req.member_id.empty() || req.group_instance_id) {
    if (int16_t e = g->validate_member(req.member_id, req.group_instance_id)) return e;
    if (generation != g->generation_id()) return error::kIllegalGeneration;
  } else if (!g->is(GroupState::empty)) {
    // No member id and generation (v0): only an empty group takes commits.
    return error::kUnknownMemberId;
  }
  // The member already knows the new generation from its JoinGroup answer.
  if (g->is(GroupState::completing_rebalance)) return error::kRebalanceInProgress;
  return error::kNone;
}

void GroupCoordinatorShard::commit_offsets(const protocol::OffsetCommitRequest& req, int16_t version,
                                           std::function<void(protocol::OffsetCommitResponse)> done) {
  protocol::OffsetCommitResponse resp;
  ClassicGroup* g = find_group(req.group_id);
  if (int16_t e = validate_offset_commit(g, req, version)) {
    answer_every_partition(req, resp, e);
    return done(std::move(resp));
  }
  if (!g) {
    spdlog::info("group {}: created as a simple group by a manual offset commit", req.group_id);
    g = &create_group(req.group_id);
  }
  // A commit keeps the session alive like a heartbeat does.
  if (g->is(GroupState::stable) || g->is(GroupState::preparing_rebalance))
    if (ClassicMember* m = g->member(req.member_id)) reschedule_heartbeat(*g, *m);

  const int64_t now = services_.now_ms();
  const int64_t expire = req.retention_time_ms == -1 ? -1 : now + req.retention_time_ms;
  std::vector<CoordinatorRecord> records =
      offset_commit_records(req, resp, config_.offset_metadata_max_bytes, expire,
                            [now](const auto& p) { return p.commit_timestamp == -1 ? now : p.commit_timestamp; });
  if (records.empty()) return done(std::move(resp));
  services_.write(std::move(records), true, [resp = std::move(resp), done = std::move(done)](int16_t err) mutable {
    if (err) fail_offset_commit(resp, err);
    done(std::move(resp));
  });
}

protocol::OffsetFetchResponse::OffsetFetchResponseGroup GroupCoordinatorShard::fetch_offsets(
    const std::string& group_id, const FetchTopics& topics, bool require_stable) const {
  protocol::OffsetFetchResponse::OffsetFetchResponseGroup out;
  out.group_id = group_id;
  const ClassicGroup* g = group(group_id);
  const Offsets* offsets = nullptr;
  if (g && !g->is(GroupState::dead)) {
    auto it = offsets_.find(group_id);
    if (it != offsets_.end()) offsets = &it->second;
  }
  // require_stable: a partition with a transactional offset still pending
  // answers UNSTABLE_OFFSET_COMMIT (the consumer retries).
  const auto fill = [&](protocol::OffsetFetchResponse::OffsetFetchResponsePartitions& p, const std::string& topic,
                        const OffsetAndMetadata* o) {
    if (require_stable && has_pending_txn_offset(group_id, topic, p.partition_index)) {
      p.error_code = error::kUnstableOffsetCommit;
      o = nullptr;
    }
    p.committed_offset = o ? o->offset : -1;
    p.committed_leader_epoch = o ? o->leader_epoch : -1;
    p.metadata = o ? o->metadata : "";
  };
  if (!topics) {
    if (!offsets) return out;
    for (const auto& [topic, parts] : *offsets) {
      auto& t = out.topics.emplace_back();
      t.name = topic;
      for (const auto& [partition, o] : parts) {
        auto& p = t.partitions.emplace_back();
        p.partition_index = partition;
        fill(p, topic, &o);
      }
    }
    return out;
  }
  for (const auto& [topic, partitions] : *topics) {
    auto& t = out.topics.emplace_back();
    t.name = topic;
    const std::map<int32_t, OffsetAndMetadata>* parts = nullptr;
    if (offsets) {
      auto it = offsets->find(topic);
      if (it != offsets->end()) parts = &it->second;
    }
    for (int32_t partition : partitions) {
      auto& p = t.partitions.emplace_back();
      p.partition_index = partition;
      const OffsetAndMetadata* o = nullptr;
      if (parts) {
        auto it = parts->find(partition);
        if (it != parts->end()) o = &it->second;
      }
      fill(p, topic, o);
    }
  }
  return out;
}

void GroupCoordinatorShard::delete_offsets(const protocol::OffsetDeleteRequest& req,
                                           std::function<void(protocol::OffsetDeleteResponse)> done) {
  protocol::OffsetDeleteResponse resp;
  ClassicGroup* g = find_group(req.group_id);
  if (!g || g->is(GroupState::dead)) {
    resp.error_code = error::kGroupIdNotFound;
    return done(std::move(resp));
  }
  // A live group may drop only offsets of topics it does not consume, and
  // only when the coordinator knows those (consumer protocol).
  if (!g->is(GroupState::empty) && !g->uses_consumer_protocol()) {
    resp.error_code = error::kNonEmptyGroup;
    return done(std::move(resp));
  }
  std::vector<CoordinatorRecord> records;
  auto offsets = offsets_.find(req.group_id);
  for (const auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    const bool subscribed = !g->is(GroupState::empty) && g->is_subscribed_to_topic(t.name);
    for (const auto& p : t.partitions) {
      rt.partitions.push_back({p.partition_index, subscribed ? error::kGroupSubscribedToTopic : error::kNone});
      if (subscribed || offsets == offsets_.end()) continue;
      auto topic = offsets->second.find(t.name);
      if (topic != offsets->second.end() && topic->second.count(p.partition_index))
        records.push_back(offset_tombstone(req.group_id, t.name, p.partition_index));
    }
  }
  if (records.empty()) return done(std::move(resp));
  services_.write(std::move(records), true, [resp = std::move(resp), done = std::move(done)](int16_t err) mutable {
    if (err) resp.error_code = err;
    done(std::move(resp));
  });
}

void GroupCoordinatorShard::cleanup_expired_offsets() {
  const int64_t now = services_.now_ms();
  std::vector<CoordinatorRecord> records;
  std::vector<std::string> emptied;
  for (auto& [group_id, g] : groups_) {
    if (g->is(GroupState::dead)) continue;
    // Kafka 3.x: an Empty group's offsets expire retention after it became
    // empty; a simple group's (no protocol type) after their commit; a
    // Stable consumer group's for topics it no longer subscribes to.
    enum class Base { none, state_change, commit } base = Base::none;
    if (!g->protocol_type()) base = Base::commit;
    else if (g->is(GroupState::empty)) base = Base::state_change;
    else if (g->uses_consumer_protocol() && g->subscribed_topics() && g->is(GroupState::stable)) base = Base::commit;
    bool all_expired = true;
    auto it = offsets_.find(group_id);
    if (it != offsets_.end()) {
      if (base == Base::none) continue;
      for (const auto& [topic, parts] : it->second) {
        if (g->is_subscribed_to_topic(topic) && !g->is(GroupState::empty)) {
          all_expired = false;
          continue;
        }
        for (const auto& [partition, o] : parts) {
          bool expired;
          if (o.expire_timestamp >= 0) {
            expired = now >= o.expire_timestamp;
          } else {
            int64_t from = base == Base::state_change && g->current_state_timestamp() >= 0
                               ? g->current_state_timestamp()
                               : o.commit_timestamp;
            expired = now - from >= config_.offsets_retention_ms;
          }
          if (expired) records.push_back(offset_tombstone(group_id, topic, partition));
          else all_expired = false;
        }
      }
    }
    // An empty group without offsets left is deleted.
    if (all_expired && g->is(GroupState::empty)) {
      records.push_back(group_tombstone(group_id));
      emptied.push_back(group_id);
    }
  }
  for (const auto& id : emptied) groups_.at(id)->transition_to(GroupState::dead, now);
  if (!records.empty()) {
    const size_t n = records.size();
    services_.write(std::move(records), true, [this, n, emptied](int16_t err) {
      if (!err) return spdlog::info("offsets retention: removed {} expired offsets and groups", n);
      spdlog::warn("offsets retention: writing {} tombstones failed (error {})", n, err);
      for (const auto& id : emptied)  // not deleted after all
        if (ClassicGroup* g = find_group(id); g && g->is(GroupState::dead))
          g->transition_to(GroupState::empty, services_.now_ms());
    });
  }
  schedule_retention();
}

void GroupCoordinatorShard::schedule_retention() {
  services_.schedule("retention", config_.offsets_retention_check_interval_ms, [this] { cleanup_expired_offsets(); });
}

}  // namespace fjord::broker::coordinator
