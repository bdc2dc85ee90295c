// TxnOffsetCommit and the end of transactions in a group shard (Kafka's
// OffsetMetadataManager: transactional offsets, replayEndTransactionMarker).
#include <spdlog/spdlog.h>

#include "broker/coordinator/group_coordinator_shard.h"
#include "broker/coordinator/group_errors.h"
#include "broker/coordinator/offset_commit_answer.h"

namespace fjord::broker::coordinator {

int16_t GroupCoordinatorShard::validate_txn_offset_commit(ClassicGroup* g,
                                                          const protocol::TxnOffsetCommitRequest& req) const {
  const int32_t generation = req.generation_id;
  // No group: only a producer outside group management (generation -1)
  // commits; a simple group is created for it.
  if (!g) return generation < 0 ? error::kNone : error::kIllegalGeneration;
  if (g->is(GroupState::dead)) return error::kCoordinatorNotAvailable;
  if (generation < 0 && g->is(GroupState::empty)) return error::kNone;
  if (generation >= 0 || !req.member_id.empty() || req.group_instance_id) {
    if (int16_t e = g->validate_member(req.member_id, req.group_instance_id)) return e;
    if (generation != g->generation_id()) return error::kIllegalGeneration;
  }
  // Transactional commits are taken while a rebalance completes, and from
  // producers that are not members.
  return error::kNone;
}

void GroupCoordinatorShard::commit_txn_offsets(const protocol::TxnOffsetCommitRequest& req, int16_t version,
                                               std::function<void(protocol::TxnOffsetCommitResponse)> done) {
  (void)version;
  protocol::TxnOffsetCommitResponse resp;
  ClassicGroup* g = find_group(req.group_id);
  if (int16_t e = validate_txn_offset_commit(g, req)) {
    answer_every_partition(req, resp, e);
    return done(std::move(resp));
  }
  if (!g) g = &create_group(req.group_id);

  const int64_t now = services_.now_ms();
  std::vector<CoordinatorRecord> records = offset_commit_records(
      req, resp, config_.offset_metadata_max_bytes, -1, [now](const auto&) { return now; });
  if (records.empty()) return done(std::move(resp));
  services_.write_transactional(std::move(records), TxnProducer{req.producer_id, req.producer_epoch},
                                [resp = std::move(resp), done = std::move(done)](int16_t err) mutable {
                                  if (err) fail_offset_commit(resp, err);
                                  done(std::move(resp));
                                });
}

bool GroupCoordinatorShard::has_pending_txn_offset(const std::string& group_id, const std::string& topic,
                                                   int32_t partition) const {
  for (const auto& [producer, groups] : pending_txn_offsets_) {
    auto g = groups.find(group_id);
    if (g == groups.end()) continue;
    auto t = g->second.find(topic);
    if (t != g->second.end() && t->second.count(partition)) return true;
  }
  return false;
}

void GroupCoordinatorShard::replay_end_txn(int64_t producer_id, bool commit) {
  auto it = pending_txn_offsets_.find(producer_id);
  if (it == pending_txn_offsets_.end()) return;
  if (commit) {
    for (auto& [group_id, topics] : it->second) {
      if (!find_group(group_id)) create_group(group_id);
      for (auto& [topic, partitions] : topics)
        for (auto& [partition, o] : partitions) offsets_[group_id][topic][partition] = std::move(o);
    }
  }
  spdlog::debug("group coordinator: transactional offsets of producer {} {}", producer_id,
                commit ? "committed" : "dropped");
  pending_txn_offsets_.erase(it);
}

}  // namespace fjord::broker::coordinator
