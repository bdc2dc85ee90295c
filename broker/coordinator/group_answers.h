#pragma once
// The JoinGroup and SyncGroup answers the join and sync phases both give.
#include <cstdint>
#include <optional>
#include <string>

#include "broker/coordinator/classic_group.h"
#include "protocol/messages/join_group_response.h"
#include "protocol/messages/sync_group_response.h"

namespace fjord::broker::coordinator {

inline protocol::JoinGroupResponse join_error(const std::string& member_id, int16_t error) {
  protocol::JoinGroupResponse r;
  r.member_id = member_id;
  r.error_code = error;
  r.generation_id = -1;
  r.protocol_name = std::nullopt;  // null as Kafka's error answers (encoded "" before v7)
  r.protocol_type = std::nullopt;
  return r;
}

// The answer of the group's current generation to `member_id` (the leader also gets the members).
inline protocol::JoinGroupResponse join_answer(const ClassicGroup& g, const std::string& member_id) {
  protocol::JoinGroupResponse r;
  if (g.is_leader(member_id)) r.members = g.join_members();
  r.member_id = member_id;
  r.generation_id = g.generation_id();
  r.protocol_type = g.protocol_type();
  r.protocol_name = g.protocol_name();
  r.leader = g.leader_or_empty();
  return r;
}

inline protocol::SyncGroupResponse sync_error(int16_t error) {
  protocol::SyncGroupResponse r;
  r.error_code = error;
  return r;
}

}  // namespace fjord::broker::coordinator
