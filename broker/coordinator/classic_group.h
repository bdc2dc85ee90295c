#pragma once
// A classic group (JoinGroup/SyncGroup protocol): its members, state and
// generation, as Kafka's ClassicGroup keeps them. Pure data and the rules
// that only touch the group; the coordinator shard drives it.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocol/messages/join_group_response.h"
#include "protocol/messages/sync_group_response.h"

namespace fjord::broker::coordinator {

enum class GroupState { empty, preparing_rebalance, completing_rebalance, stable, dead };

// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
const char* state_name(GroupState s);

using JoinCallback = std::function<void(protocol::JoinGroupResponse)>;
using SyncCallback = std::function<void(protocol::SyncGroupResponse)>;

struct MemberProtocol {
  std::string name;
  std::vector<uint8_t> metadata;
  bool operator==(const MemberProtocol&) const = default;
};

struct ClassicMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::string protocol_type;
  std::vector<MemberProtocol> protocols;
  std::vector<uint8_t> assignment;
  JoinCallback awaiting_join;  // set while its JoinGroup is parked
  SyncCallback awaiting_sync;  // set while its SyncGroup is parked
  bool is_new = false;         // joined and not yet through a completed join phase

  bool is_awaiting_join() const { return bool(awaiting_join); }
  bool is_awaiting_sync() const { return bool(awaiting_sync); }
  bool is_static() const { return group_instance_id.has_value(); }
  // Its metadata for `protocol` (empty when it has none).
  std::vector<uint8_t> metadata(const std::string& protocol) const;
  bool matches(const std::vector<MemberProtocol>& protocols) const { return this->protocols == protocols; }
  // Its first protocol among the candidates (its preference order).
  std::string vote(const std::set<std::string>& candidates) const;
  // A missed heartbeat is forgiven while a rebalance waits on it.
  bool has_satisfied_heartbeat() const { return !is_new && (is_awaiting_join() || is_awaiting_sync()); }
};

class ClassicGroup {
 public:
  ClassicGroup(std::string group_id, GroupState state, int64_t now_ms);

  const std::string& group_id() const { return group_id_; }
  GroupState state() const { return state_; }
  GroupState previous_state() const { return previous_state_; }
  bool is(GroupState s) const { return state_ == s; }
  int64_t current_state_timestamp() const { return current_state_timestamp_; }
  int32_t generation_id() const { return generation_id_; }
  const std::optional<std::string>& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_name_; }
  const std::optional<std::string>& leader_id() const { return leader_id_; }
  std::string leader_or_empty() const { return leader_id_.value_or(""); }
  bool is_leader(const std::string& member_id) const { return leader_id_ && *leader_id_ == member_id; }
  bool uses_consumer_protocol() const { return protocol_type_ && *protocol_type_ == "consumer"; }

  // --- members ---
  const std::map<std::string, ClassicMember>& members() const { return members_; }
  size_t size() const { return members_.size(); }
  bool has_member(const std::string& id) const { return members_.count(id) > 0; }
  ClassicMember* member(const std::string& id);
  // Adds a member; `join` parks its JoinGroup answer.
  void add(ClassicMember member, JoinCallback join = nullptr);
  void remove(const std::string& member_id);
  // A static member rejoined with a new member id: the old one's parked
  // calls are fenced (FENCED_INSTANCE_ID) and everything else carries over.
  ClassicMember& replace_static_member(const std::string& instance_id, const std::string& old_id,
                                       const std::string& new_id);
  void update_member(ClassicMember& m, std::vector<MemberProtocol> protocols, int32_t rebalance_timeout_ms,
                     int32_t session_timeout_ms, JoinCallback join);
  bool has_static_member(const std::string& instance_id) const { return static_members_.count(instance_id) > 0; }
  std::optional<std::string> static_member_id(const std::string& instance_id) const;
  // The instance id is known under another member id.
  bool is_static_member_fenced(const std::string& instance_id, const std::string& member_id) const;
  // Kafka's validateMember: FENCED_INSTANCE_ID / UNKNOWN_MEMBER_ID, or 0.
  int16_t validate_member(const std::string& member_id, const std::optional<std::string>& instance_id) const;

  // --- pending members (dynamic members told MEMBER_ID_REQUIRED) ---
  bool is_pending_member(const std::string& id) const { return pending_join_.count(id) > 0; }
  void add_pending_member(const std::string& id) { pending_join_.insert(id); }
  size_t pending_member_count() const { return pending_join_.size(); }

  // --- sync phase ---
  void add_pending_sync_member(const std::string& id) { pending_sync_.insert(id); }
  void remove_pending_sync_member(const std::string& id) { pending_sync_.erase(id); }
  bool has_received_sync_from_all() const { return pending_sync_.empty(); }
  const std::set<std::string>& pending_sync_members() const { return pending_sync_; }

  // --- join phase ---
  bool has_all_members_joined() const {
    return int(members_.size()) == awaiting_join_count_ && pending_join_.empty();
  }
  int awaiting_join_count() const { return awaiting_join_count_; }
  std::vector<std::string> not_yet_rejoined_members() const;
  // Keeps the leader if it rejoined, else picks a member that did; false
  // when none did.
  bool maybe_elect_new_joined_leader();
  int32_t rebalance_timeout_ms() const;
  bool supports_protocols(const std::string& protocol_type, const std::vector<MemberProtocol>& protocols) const;
  std::string select_protocol() const;
  bool can_rebalance() const {
    return state_ == GroupState::stable || state_ == GroupState::completing_rebalance || state_ == GroupState::empty;
  }
  void transition_to(GroupState s, int64_t now_ms);
  void init_next_generation(int64_t now_ms);
  // The members as the leader's JoinGroup answer lists them.
  std::vector<protocol::JoinGroupResponse::JoinGroupResponseMember> join_members() const;
  bool new_member_added() const { return new_member_added_; }
  void set_new_member_added(bool v) { new_member_added_ = v; }

  // Answers a parked call; true when there was one.
  bool complete_join(ClassicMember& m, protocol::JoinGroupResponse response);
  bool complete_sync(ClassicMember& m, protocol::SyncGroupResponse response);

  // Topics the members subscribe to, when the protocol type is "consumer"
  // and their metadata parses (Kafka's computeSubscribedTopics).
  const std::optional<std::set<std::string>>& subscribed_topics() const { return subscribed_topics_; }
  bool is_subscribed_to_topic(const std::string& topic) const {
    return subscribed_topics_ ? subscribed_topics_->count(topic) > 0 : uses_consumer_protocol();
  }
  void refresh_subscribed_topics();

  // Loading from a GroupMetadataValue.
  void restore(int32_t generation, std::optional<std::string> protocol_type, std::optional<std::string> protocol_name,
               std::optional<std::string> leader, int64_t state_timestamp);

 private:
  std::set<std::string> candidate_protocols() const;

  std::string group_id_;
  GroupState state_;
  GroupState previous_state_ = GroupState::dead;
  int64_t current_state_timestamp_ = -1;
  std::optional<std::string> protocol_type_;
  std::optional<std::string> protocol_name_;
  std::optional<std::string> leader_id_;
  int32_t generation_id_ = 0;
  std::map<std::string, ClassicMember> members_;
  std::map<std::string, std::string> static_members_;  // instance id -> member id
  std::set<std::string> pending_join_;
  std::set<std::string> pending_sync_;
  int awaiting_join_count_ = 0;
  std::map<std::string, int> supported_protocols_;  // protocol name -> members supporting it
  bool new_member_added_ = false;
  std::optional<std::set<std::string>> subscribed_topics_;
};

}  // namespace fjord::broker::coordinator
