// SyncGroup, Heartbeat and LeaveGroup, and removing members: Kafka's classic
// group protocol (GroupMetadataManager's classicGroup* methods).
#include <spdlog/spdlog.h>

#include "broker/coordinator/group_answers.h"
#include "broker/coordinator/group_coordinator_shard.h"
#include "broker/coordinator/group_errors.h"

namespace fjord::broker::coordinator {

void GroupCoordinatorShard::schedule_pending_sync(ClassicGroup& g) {
  services_.schedule("sync-" + g.group_id(), g.rebalance_timeout_ms(),
                     [this, gid = g.group_id(), gen = g.generation_id()] { expire_pending_sync(gid, gen); });
}

void GroupCoordinatorShard::expire_pending_sync(const std::string& group_id, int32_t generation) {
  ClassicGroup* g = find_group(group_id);
  if (!g || g->generation_id() != generation) return;
  if (!g->is(GroupState::completing_rebalance) && !g->is(GroupState::stable)) return;
  if (g->has_received_sync_from_all()) return;
  std::vector<std::string> late(g->pending_sync_members().begin(), g->pending_sync_members().end());
  spdlog::info("group {}: removing {} members that did not sync in generation {}", group_id, late.size(), generation);
  for (const auto& id : late) {
    services_.cancel(heartbeat_key(group_id, id));
    g->remove(id);
  }
  prepare_rebalance(*g, "members did not sync in time");
}

void GroupCoordinatorShard::reset_and_propagate_assignment_error(ClassicGroup& g, int16_t error) {
  for (const auto& [id, m] : g.members()) g.member(id)->assignment.clear();
  propagate_assignment(g, error);
}

void GroupCoordinatorShard::propagate_assignment(ClassicGroup& g, int16_t error) {
  std::vector<std::string> ids;
  for (const auto& [id, m] : g.members()) ids.push_back(id);
  for (const auto& id : ids) {
    ClassicMember& m = *g.member(id);
    protocol::SyncGroupResponse r;
    r.error_code = error;
    r.protocol_type = g.protocol_type();
    r.protocol_name = g.protocol_name();
    r.assignment = m.assignment;
    if (g.complete_sync(m, std::move(r))) reschedule_heartbeat(g, m);
  }
}

void GroupCoordinatorShard::remove_pending_sync_member(ClassicGroup& g, const std::string& member_id) {
  g.remove_pending_sync_member(member_id);
  switch (g.state()) {
    case GroupState::dead:
    case GroupState::empty:
    case GroupState::preparing_rebalance: services_.cancel("sync-" + g.group_id()); break;
    case GroupState::completing_rebalance:
    case GroupState::stable:
      if (g.has_received_sync_from_all()) services_.cancel("sync-" + g.group_id());
      break;
  }
}

// --- SyncGroup ---

void GroupCoordinatorShard::sync_group(const protocol::SyncGroupRequest& req, int16_t version, SyncCallback done) {
  (void)version;
  if (req.group_id.empty()) return done(sync_error(error::kInvalidGroupId));
  ClassicGroup* g = find_group(req.group_id);
  if (!g) return done(sync_error(error::kUnknownMemberId));
  if (g->is(GroupState::dead)) return done(sync_error(error::kCoordinatorNotAvailable));
  if (int16_t e = g->validate_member(req.member_id, req.group_instance_id)) return done(sync_error(e));
  if (req.generation_id != g->generation_id()) return done(sync_error(error::kIllegalGeneration));
  // v5+: the protocol type and name the client believes in must match.
  const auto inconsistent = [](const std::optional<std::string>& asked, const std::optional<std::string>& actual) {
    return asked && actual && *asked != *actual;
  };
  if (inconsistent(req.protocol_type, g->protocol_type()) || inconsistent(req.protocol_name, g->protocol_name()))
    return done(sync_error(error::kInconsistentGroupProtocol));

  switch (g->state()) {
    case GroupState::empty:
    case GroupState::dead: return done(sync_error(error::kUnknownMemberId));
    case GroupState::preparing_rebalance: return done(sync_error(error::kRebalanceInProgress));
    case GroupState::completing_rebalance: {
      g->member(req.member_id)->awaiting_sync = std::move(done);
      remove_pending_sync_member(*g, req.member_id);
      if (!g->is_leader(req.member_id)) return;  // answered when the leader's assignment is written
      std::map<std::string, std::vector<uint8_t>> assignment;
      for (const auto& a : req.assignments)
        if (g->has_member(a.member_id)) assignment[a.member_id] = a.assignment;
      for (const auto& [id, m] : g->members()) assignment.try_emplace(id);  // missing: empty
      spdlog::info("group {}: assignment received from leader {} for generation {}", g->group_id(), req.member_id,
                   g->generation_id());
      services_.write({group_metadata_record(*g, assignment)}, false,
                      [this, gid = g->group_id(), gen = req.generation_id, member = req.member_id,
                       assignment](int16_t err) {
        ClassicGroup* g = find_group(gid);
        // Another member may have joined meanwhile: then nothing to do.
        if (!g || !g->is(GroupState::completing_rebalance) || g->generation_id() != gen) return;
        if (err) {
          reset_and_propagate_assignment_error(*g, err);
          return maybe_prepare_rebalance_or_complete_join(*g, "storing the assignment failed");
        }
        for (const auto& [id, bytes] : assignment)
          if (ClassicMember* m = g->member(id)) m->assignment = bytes;
        propagate_assignment(*g, error::kNone);
        g->transition_to(GroupState::stable, services_.now_ms());
      });
      return;
    }
    case GroupState::stable: {
      remove_pending_sync_member(*g, req.member_id);
      ClassicMember& m = *g->member(req.member_id);
      protocol::SyncGroupResponse r;
      r.protocol_type = g->protocol_type();
      r.protocol_name = g->protocol_name();
      r.assignment = m.assignment;
      reschedule_heartbeat(*g, m);
      return done(std::move(r));
    }
  }
}

// --- Heartbeat ---

protocol::HeartbeatResponse GroupCoordinatorShard::heartbeat(const protocol::HeartbeatRequest& req) {
  protocol::HeartbeatResponse r;
  const auto fail = [&](int16_t e) { r.error_code = e; return r; };
  if (req.group_id.empty()) return fail(error::kInvalidGroupId);
  ClassicGroup* g = find_group(req.group_id);
  if (!g) return fail(error::kUnknownMemberId);
  if (g->is(GroupState::dead)) return fail(error::kCoordinatorNotAvailable);
  if (int16_t e = g->validate_member(req.member_id, req.group_instance_id)) return fail(e);
  if (req.generation_id != g->generation_id()) return fail(error::kIllegalGeneration);
  switch (g->state()) {
    case GroupState::empty:
    case GroupState::dead: return fail(error::kUnknownMemberId);
    case GroupState::preparing_rebalance:
      reschedule_heartbeat(*g, *g->member(req.member_id));
      return fail(error::kRebalanceInProgress);
    case GroupState::completing_rebalance:
    case GroupState::stable:
      // Heartbeats may start right after the join answer, before SyncGroup.
      reschedule_heartbeat(*g, *g->member(req.member_id));
      return r;
  }
  return r;
}

void GroupCoordinatorShard::reschedule_heartbeat(ClassicGroup& g, const ClassicMember& m, int32_t timeout_ms) {
  services_.schedule(heartbeat_key(g.group_id(), m.member_id), timeout_ms,
                     [this, gid = g.group_id(), mid = m.member_id] { expire_heartbeat(gid, mid); });
}

void GroupCoordinatorShard::expire_heartbeat(const std::string& group_id, const std::string& member_id) {
  ClassicGroup* g = find_group(group_id);
  if (!g || g->is(GroupState::dead)) return;
  if (g->is_pending_member(member_id)) {
    spdlog::info("group {}: pending member {} removed after its session timeout", group_id, member_id);
    return remove_pending_member_and_update_group(*g, member_id);
  }
  ClassicMember* m = g->member(member_id);
  if (!m || m->has_satisfied_heartbeat()) return;
  spdlog::info("group {}: member {} removed: its session expired", group_id, member_id);
  remove_member_and_update_group(*g, member_id, "member " + member_id + " session expired");
}

void GroupCoordinatorShard::remove_member_and_update_group(ClassicGroup& g, const std::string& member_id,
                                                           const std::string& reason) {
  // A member timing out with a parked JoinGroup is told to join again.
  if (ClassicMember* m = g.member(member_id)) {
    g.complete_join(*m, join_error("", error::kUnknownMemberId));
    g.complete_sync(*m, sync_error(error::kUnknownMemberId));
  }
  g.remove(member_id);
  if (g.is(GroupState::stable) || g.is(GroupState::completing_rebalance))
    maybe_prepare_rebalance_or_complete_join(g, reason);
  else if (g.is(GroupState::preparing_rebalance) && g.has_all_members_joined())
    complete_join(g);
}

void GroupCoordinatorShard::remove_current_member(ClassicGroup& g, const std::string& member_id,
                                                  const std::string& reason) {
  services_.cancel(heartbeat_key(g.group_id(), member_id));
  spdlog::info("group {}: member {} left ({})", g.group_id(), member_id, reason);
  if (ClassicMember* m = g.member(member_id)) {
    g.complete_join(*m, join_error("", error::kUnknownMemberId));
    g.complete_sync(*m, sync_error(error::kUnknownMemberId));  // not left waiting forever
  }
  g.remove(member_id);
}

void GroupCoordinatorShard::remove_pending_member_and_update_group(ClassicGroup& g, const std::string& member_id) {
  g.remove(member_id);
  if (g.is(GroupState::preparing_rebalance) && g.has_all_members_joined()) complete_join(g);
}

// --- LeaveGroup ---

protocol::LeaveGroupResponse GroupCoordinatorShard::leave_group(
    const std::string& group_id, const std::vector<protocol::LeaveGroupRequest::MemberIdentity>& members) {
  protocol::LeaveGroupResponse resp;
  if (group_id.empty()) {
    resp.error_code = error::kInvalidGroupId;
    return resp;
  }
  ClassicGroup* g = find_group(group_id);
  if (!g) {
    // Kafka 3.9's coordinator: no error for the request, each member unknown.
    for (const auto& who : members)
      resp.members.push_back({who.member_id, who.group_instance_id, error::kUnknownMemberId});
    return resp;
  }
  if (g->is(GroupState::dead)) {
    resp.error_code = error::kCoordinatorNotAvailable;
    return resp;
  }
  bool anyone_left = false;
  for (const auto& who : members) {
    auto& r = resp.members.emplace_back();
    r.member_id = who.member_id;
    r.group_instance_id = who.group_instance_id;
    const std::string reason = who.reason.value_or("the consumer left the group");
    if (who.member_id.empty()) {
      // Administrative removal by group instance id.
      auto id = who.group_instance_id ? g->static_member_id(*who.group_instance_id) : std::nullopt;
      if (id) remove_current_member(*g, *id, reason);
      else r.error_code = error::kUnknownMemberId;
    } else if (g->is_pending_member(who.member_id)) {
      g->remove(who.member_id);
      services_.cancel(heartbeat_key(group_id, who.member_id));
    } else if (int16_t e = g->validate_member(who.member_id, who.group_instance_id)) {
      r.error_code = e;
    } else {
      remove_current_member(*g, who.member_id, reason);
    }
    anyone_left = anyone_left || r.error_code == error::kNone;
  }
  if (anyone_left) {
    if (g->is(GroupState::stable) || g->is(GroupState::completing_rebalance))
      maybe_prepare_rebalance_or_complete_join(*g, "members left the group");
    else if (g->is(GroupState::preparing_rebalance))
      maybe_complete_join_phase(*g);
  }
  return resp;
}

}  // namespace fjord::broker::coordinator
