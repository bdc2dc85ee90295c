#pragma once
// The group coordinator's state machine for one __consumer_offsets
// partition: the classic groups and committed offsets whose group ids map to
// it, and every group API's logic, following Kafka's GroupMetadataManager
// and OffsetMetadataManager (3.9) for the classic protocol. Runs on its
// shard's executor only (coordinator_runtime.h). Membership changes the
// in-memory groups directly and writes GroupMetadata records (not replayed,
// as in Kafka); offsets and deletions are written and applied by replay
// once durable, the same code that loads the partition.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/coordinator/classic_group.h"
#include "broker/coordinator/coordinator_shard.h"
#include "broker/coordinator/group_records.h"
#include "protocol/messages/delete_groups_response.h"
#include "protocol/messages/describe_groups_response.h"
#include "protocol/messages/heartbeat_request.h"
#include "protocol/messages/heartbeat_response.h"
#include "protocol/messages/join_group_request.h"
#include "protocol/messages/leave_group_request.h"
#include "protocol/messages/leave_group_response.h"
#include "protocol/messages/list_groups_response.h"
#include "protocol/messages/offset_commit_request.h"
#include "protocol/messages/offset_commit_response.h"
#include "protocol/messages/offset_delete_request.h"
#include "protocol/messages/offset_delete_response.h"
#include "protocol/messages/offset_fetch_response.h"
#include "protocol/messages/sync_group_request.h"
#include "protocol/messages/txn_offset_commit_request.h"
#include "protocol/messages/txn_offset_commit_response.h"

namespace fjord::broker::coordinator {

// group.* and offsets.* settings, Kafka's defaults.
struct GroupConfig {
  int32_t min_session_timeout_ms = 6000;
  int32_t max_session_timeout_ms = 1800000;
  int32_t initial_rebalance_delay_ms = 3000;
  int32_t max_size = INT32_MAX;
  int32_t new_member_join_timeout_ms = 5 * 60 * 1000;  // Kafka's fixed 5 minutes
  int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t offsets_retention_check_interval_ms = 600000;
  int32_t offset_metadata_max_bytes = 4096;
};

struct OffsetAndMetadata {
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = 0;
  int64_t expire_timestamp = -1;
};

class GroupCoordinatorShard final : public CoordinatorShard {
 public:
  GroupCoordinatorShard(ShardServices& services, GroupConfig config);
  ~GroupCoordinatorShard() override;

  // Who sent the request (JoinGroup records it per member).
  struct Client {
    std::string client_id;
    std::string client_host;
  };

  // --- membership (group_membership.cpp) ---
  void join_group(const protocol::JoinGroupRequest& req, int16_t version, const Client& client,
                  JoinCallback done);
  void sync_group(const protocol::SyncGroupRequest& req, int16_t version, SyncCallback done);
  protocol::HeartbeatResponse heartbeat(const protocol::HeartbeatRequest& req);
  // Top-level error and one answer per member (v0-2 callers pass one member).
  protocol::LeaveGroupResponse leave_group(const std::string& group_id,
                                           const std::vector<protocol::LeaveGroupRequest::MemberIdentity>& members);

  // --- offsets (group_offsets.cpp) ---
  void commit_offsets(const protocol::OffsetCommitRequest& req, int16_t version,
                      std::function<void(protocol::OffsetCommitResponse)> done);
  // topics null: every committed offset of the group.
  using FetchTopics = std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>>;
  protocol::OffsetFetchResponse::OffsetFetchResponseGroup fetch_offsets(const std::string& group_id,
                                                                         const FetchTopics& topics,
                                                                         bool require_stable) const;
  void delete_offsets(const protocol::OffsetDeleteRequest& req,
                      std::function<void(protocol::OffsetDeleteResponse)> done);
  // One retention pass (offsets.retention.check.interval.ms timer).
  void cleanup_expired_offsets();

  // --- transactional offsets (group_txn_offsets.cpp) ---
  // TxnOffsetCommit: written as a transactional batch of the producer; the
  // offsets stay pending (invisible to OffsetFetch, UNSTABLE_OFFSET_COMMIT
  // with require_stable) until the transaction's marker commits or drops them.
  void commit_txn_offsets(const protocol::TxnOffsetCommitRequest& req, int16_t version,
                          std::function<void(protocol::TxnOffsetCommitResponse)> done);
  bool has_pending_txn_offset(const std::string& group_id, const std::string& topic, int32_t partition) const;

  // --- administration (group_admin.cpp) ---
  void list_groups(const std::vector<std::string>& states, const std::vector<std::string>& types,
                   std::vector<protocol::ListGroupsResponse::ListedGroup>& out) const;
  protocol::DescribeGroupsResponse::DescribedGroup describe_group(const std::string& group_id) const;
  void delete_groups(const std::vector<std::string>& group_ids,
                     std::function<void(std::vector<protocol::DeleteGroupsResponse::DeletableGroupResult>)> done);

  // --- CoordinatorShard ---
  void replay(const RecordView& record) override;
  void replay_end_txn(int64_t producer_id, bool commit) override;
  void on_loaded() override;
  void on_unloaded() override;

  // For tests and tools.
  const ClassicGroup* group(const std::string& group_id) const;
  const OffsetAndMetadata* offset(const std::string& group_id, const std::string& topic, int32_t partition) const;
  const GroupConfig& config() const { return config_; }

 private:
  using Offsets = std::map<std::string, std::map<int32_t, OffsetAndMetadata>>;  // topic -> partition -> offset

  ClassicGroup* find_group(const std::string& group_id);
  ClassicGroup& create_group(const std::string& group_id);

  // Join phase (Kafka's names).
  void join_new_member(ClassicGroup& g, const protocol::JoinGroupRequest& req, int16_t version, const Client& client,
                       JoinCallback done);
  void join_existing_member(ClassicGroup& g, const protocol::JoinGroupRequest& req, const Client& client,
                            JoinCallback done);
  void add_member_and_rebalance(ClassicGroup& g, const std::string& member_id, const protocol::JoinGroupRequest& req,
                                const Client& client, JoinCallback done);
  void update_static_member_and_rebalance(ClassicGroup& g, const std::string& new_member_id,
                                          const protocol::JoinGroupRequest& req, JoinCallback done);
  void update_member_and_rebalance(ClassicGroup& g, ClassicMember& m, const protocol::JoinGroupRequest& req,
                                   JoinCallback done);
  void maybe_prepare_rebalance_or_complete_join(ClassicGroup& g, const std::string& reason);
  void prepare_rebalance(ClassicGroup& g, const std::string& reason);
  void maybe_complete_join_else_schedule(ClassicGroup& g);
  void maybe_complete_join_phase(ClassicGroup& g);
  void try_complete_initial_rebalance(const std::string& group_id, int32_t delay_ms, int32_t remaining_ms);
  void complete_join(ClassicGroup& g);
  void schedule_pending_sync(ClassicGroup& g);
  void expire_pending_sync(const std::string& group_id, int32_t generation);
  void reset_and_propagate_assignment_error(ClassicGroup& g, int16_t error);
  void propagate_assignment(ClassicGroup& g, int16_t error);
  void remove_pending_sync_member(ClassicGroup& g, const std::string& member_id);

  // Members and their sessions.
  void reschedule_heartbeat(ClassicGroup& g, const ClassicMember& m, int32_t timeout_ms);
  void reschedule_heartbeat(ClassicGroup& g, const ClassicMember& m) { reschedule_heartbeat(g, m, m.session_timeout_ms); }
  void expire_heartbeat(const std::string& group_id, const std::string& member_id);
  void remove_member_and_update_group(ClassicGroup& g, const std::string& member_id, const std::string& reason);
  void remove_current_member(ClassicGroup& g, const std::string& member_id, const std::string& reason);
  void remove_pending_member_and_update_group(ClassicGroup& g, const std::string& member_id);
  static std::string heartbeat_key(const std::string& group_id, const std::string& member_id);

  // Records.
  CoordinatorRecord group_metadata_record(const ClassicGroup& g,
                                          const std::map<std::string, std::vector<uint8_t>>& assignment) const;
  static CoordinatorRecord group_tombstone(const std::string& group_id);
  static CoordinatorRecord offset_tombstone(const std::string& group_id, const std::string& topic, int32_t partition);
  void replay_offset(const OffsetCommitKey& key, const std::optional<std::span<const uint8_t>>& value,
                     int64_t producer_id);
  void replay_group(const std::string& group_id, const std::optional<std::span<const uint8_t>>& value);
  void schedule_retention();
  // Kafka's validateOffsetCommit; 0 or the error for every partition.
  int16_t validate_offset_commit(ClassicGroup* g, const protocol::OffsetCommitRequest& req, int16_t version);
  // The same for a transactional commit (ClassicGroup.validateOffsetCommit
  // with isTransactional).
  int16_t validate_txn_offset_commit(ClassicGroup* g, const protocol::TxnOffsetCommitRequest& req) const;

  ShardServices& services_;
  GroupConfig config_;
  std::map<std::string, std::unique_ptr<ClassicGroup>> groups_;
  std::map<std::string, Offsets> offsets_;  // group id -> its committed offsets
  // Transactional offsets not yet committed: producer id -> group id -> offsets.
  std::map<int64_t, std::map<std::string, Offsets>> pending_txn_offsets_;
};

}  // namespace fjord::broker::coordinator
