// JoinGroup, SyncGroup, Heartbeat and LeaveGroup: Kafka's classic group
// protocol (GroupMetadataManager's classicGroup* methods).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <random>

#include "broker/coordinator/group_coordinator_shard.h"
#include "broker/coordinator/group_errors.h"

namespace fjord::broker::coordinator {
namespace {

// Kafka: clientId (or group instance id) + "-" + UUID.randomUUID().
std::string random_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                 // version 4
  lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);     // IETF variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32), unsigned((hi >> 16) & 0xFFFF),
                unsigned(hi & 0xFFFF), unsigned(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

protocol::JoinGroupResponse join_error(const std::string& member_id, int16_t error) {
  protocol::JoinGroupResponse r;
  r.member_id = member_id;
  r.error_code = error;
  r.generation_id = -1;
  r.protocol_name = std::nullopt;  // null as Kafka's error answers (encoded "" before v7)
  r.protocol_type = std::nullopt;
  return r;
}

protocol::SyncGroupResponse sync_error(int16_t error) {
  protocol::SyncGroupResponse r;
  r.error_code = error;
  return r;
}

std::vector<MemberProtocol> protocols_of(const protocol::JoinGroupRequest& req) {
  std::vector<MemberProtocol> out;
  out.reserve(req.protocols.size());
  for (const auto& p : req.protocols) out.push_back({p.name, p.metadata});
  return out;
}

// JoinGroup v0 has no rebalance timeout: the session timeout serves.
int32_t rebalance_timeout_of(const protocol::JoinGroupRequest& req) {
  return req.rebalance_timeout_ms < 0 ? req.session_timeout_ms : req.rebalance_timeout_ms;
}

// Kafka's acceptJoiningMember: the group.max.size check.
bool accept_joining_member(ClassicGroup& g, const std::string& member_id, int32_t max_size) {
  switch (g.state()) {
    case GroupState::empty:
    case GroupState::dead: return true;
    case GroupState::preparing_rebalance: {
      ClassicMember* m = g.member(member_id);
      return (m && m->is_awaiting_join()) || g.awaiting_join_count() < max_size;
    }
    case GroupState::completing_rebalance:
    case GroupState::stable: return g.has_member(member_id) || int64_t(g.size()) < max_size;
  }
  return true;
}

}  // namespace

std::string GroupCoordinatorShard::heartbeat_key(const std::string& group_id, const std::string& member_id) {
  return "heartbeat-" + group_id + "-" + member_id;
}

// --- JoinGroup ---

void GroupCoordinatorShard::join_group(const protocol::JoinGroupRequest& req, int16_t version, const Client& client,
                                       JoinCallback done) {
  if (req.group_id.empty()) return done(join_error(req.member_id, error::kInvalidGroupId));
  if (req.session_timeout_ms < config_.min_session_timeout_ms ||
      req.session_timeout_ms > config_.max_session_timeout_ms)
    return done(join_error(req.member_id, error::kInvalidSessionTimeout));

  const bool unknown_member = req.member_id.empty();
  ClassicGroup* g = find_group(req.group_id);
  if (!g) {
    // Only an unknown member may create a group.
    if (!unknown_member) return done(join_error(req.member_id, error::kUnknownMemberId));
    g = &create_group(req.group_id);
  }
  if (!accept_joining_member(*g, req.member_id, config_.max_size)) {
    if (g->has_member(req.member_id)) {
      services_.cancel(heartbeat_key(g->group_id(), req.member_id));
      g->remove(req.member_id);
    }
    spdlog::info("group {}: cannot add member, the group is at its maximum size {}", g->group_id(),
                 config_.max_size);
    return done(join_error("", error::kGroupMaxSizeReached));
  }
  if (unknown_member) join_new_member(*g, req, version, client, std::move(done));
  else join_existing_member(*g, req, client, std::move(done));
}

void GroupCoordinatorShard::join_new_member(ClassicGroup& g, const protocol::JoinGroupRequest& req, int16_t version,
                                            const Client& client, JoinCallback done) {
  if (g.is(GroupState::dead)) return done(join_error("", error::kCoordinatorNotAvailable));
  if (!g.supports_protocols(req.protocol_type, protocols_of(req)))
    return done(join_error("", error::kInconsistentGroupProtocol));
  const std::string new_id = req.group_instance_id.value_or(client.client_id) + "-" + random_uuid();
  if (req.group_instance_id) {
    if (g.has_static_member(*req.group_instance_id))
      return update_static_member_and_rebalance(g, new_id, req, std::move(done));
    return add_member_and_rebalance(g, new_id, req, client, std::move(done));
  }
  if (version >= 4) {
    // KIP-394: the member learns its id first and joins again with it.
    g.add_pending_member(new_id);
    services_.schedule(heartbeat_key(g.group_id(), new_id), req.session_timeout_ms,
                       [this, gid = g.group_id(), new_id] { expire_heartbeat(gid, new_id); });
    return done(join_error(new_id, error::kMemberIdRequired));
  }
  add_member_and_rebalance(g, new_id, req, client, std::move(done));
}

void GroupCoordinatorShard::join_existing_member(ClassicGroup& g, const protocol::JoinGroupRequest& req,
                                                 const Client& client, JoinCallback done) {
  const std::string& member_id = req.member_id;
  if (g.is(GroupState::dead)) return done(join_error(member_id, error::kCoordinatorNotAvailable));
  const auto protocols = protocols_of(req);
  if (!g.supports_protocols(req.protocol_type, protocols))
    return done(join_error(member_id, error::kInconsistentGroupProtocol));
  if (g.is_pending_member(member_id)) {
    // A pending member is never static: its second join adds it.
    return add_member_and_rebalance(g, member_id, req, client, std::move(done));
  }
  if (int16_t e = g.validate_member(member_id, req.group_instance_id)) return done(join_error(member_id, e));

  ClassicMember& m = *g.member(member_id);
  switch (g.state()) {
    case GroupState::preparing_rebalance:
      return update_member_and_rebalance(g, m, req, std::move(done));
    case GroupState::completing_rebalance:
      if (m.matches(protocols)) {
        // It missed the answer of this generation: the same answer again.
        protocol::JoinGroupResponse r;
        if (g.is_leader(member_id)) r.members = g.join_members();
        r.member_id = member_id;
        r.generation_id = g.generation_id();
        r.protocol_type = g.protocol_type();
        r.protocol_name = g.protocol_name();
        r.leader = g.leader_or_empty();
        return done(std::move(r));
      }
      return update_member_and_rebalance(g, m, req, std::move(done));
    case GroupState::stable:
      // The leader's join forces a rebalance: it may have seen metadata
      // changes that do not show in member metadata.
      if (g.is_leader(member_id) || !m.matches(protocols)) return update_member_and_rebalance(g, m, req, std::move(done));
      {
        protocol::JoinGroupResponse r;
        r.member_id = member_id;
        r.generation_id = g.generation_id();
        r.protocol_type = g.protocol_type();
        r.protocol_name = g.protocol_name();
        r.leader = g.leader_or_empty();
        return done(std::move(r));
      }
    case GroupState::empty:
    case GroupState::dead:
      return done(join_error(member_id, error::kUnknownMemberId));
  }
}

void GroupCoordinatorShard::add_member_and_rebalance(ClassicGroup& g, const std::string& member_id,
                                                     const protocol::JoinGroupRequest& req, const Client& client,
                                                     JoinCallback done) {
  ClassicMember m;
  m.member_id = member_id;
  m.group_instance_id = req.group_instance_id;
  m.client_id = client.client_id;
  m.client_host = client.client_host;
  m.rebalance_timeout_ms = rebalance_timeout_of(req);
  m.session_timeout_ms = req.session_timeout_ms;
  m.protocol_type = req.protocol_type;
  m.protocols = protocols_of(req);
  m.is_new = true;
  if (g.is(GroupState::preparing_rebalance) && g.generation_id() == 0) g.set_new_member_added(true);
  g.add(std::move(m), std::move(done));
  // A parked JoinGroup cannot heartbeat, and a client that gave up on it may
  // retry as yet another member: new members time out after a fixed while.
  reschedule_heartbeat(g, *g.member(member_id), config_.new_member_join_timeout_ms);
  maybe_prepare_rebalance_or_complete_join(g, "adding new member " + member_id);
}

void GroupCoordinatorShard::update_static_member_and_rebalance(ClassicGroup& g, const std::string& new_member_id,
                                                               const protocol::JoinGroupRequest& req,
                                                               JoinCallback done) {
  const std::string instance_id = *req.group_instance_id;
  const std::string old_member_id = *g.static_member_id(instance_id);
  ClassicMember* old_member = g.member(old_member_id);
  const auto old_protocols = old_member->protocols;
  const int32_t old_rebalance_timeout = old_member->rebalance_timeout_ms;
  const int32_t old_session_timeout = old_member->session_timeout_ms;

  services_.cancel(heartbeat_key(g.group_id(), old_member_id));
  ClassicMember& m = g.replace_static_member(instance_id, old_member_id, new_member_id);
  g.update_member(m, protocols_of(req), rebalance_timeout_of(req), req.session_timeout_ms, std::move(done));
  reschedule_heartbeat(g, m);

  switch (g.state()) {
    case GroupState::stable: {
      // Unchanged protocol: the member takes its old place, no rebalance;
      // the group is written so that a reload knows the new member id.
      if (g.protocol_name().value_or("") != g.select_protocol()) {
        return maybe_prepare_rebalance_or_complete_join(
            g, "static member " + instance_id + " rejoined with a change of protocol");
      }
      std::map<std::string, std::vector<uint8_t>> assignment;
      for (const auto& [id, mem] : g.members()) assignment[id] = mem.assignment;
      const int32_t generation = g.generation_id();
      services_.write({group_metadata_record(g, assignment)}, false,
                      [this, gid = g.group_id(), instance_id, old_member_id, new_member_id, old_protocols,
                       old_rebalance_timeout, old_session_timeout, generation](int16_t err) {
        ClassicGroup* g = find_group(gid);
        ClassicMember* m = g ? g->member(new_member_id) : nullptr;
        if (!m) return;
        if (err) {
          // Not written: the old member id stays valid.
          if (g->static_member_id(instance_id) != new_member_id) return;
          services_.cancel(heartbeat_key(gid, new_member_id));
          g->complete_join(*m, join_error(new_member_id, err));
          ClassicMember& old = g->replace_static_member(instance_id, new_member_id, old_member_id);
          g->update_member(old, old_protocols, old_rebalance_timeout, old_session_timeout, nullptr);
          reschedule_heartbeat(*g, old);
          return;
        }
        if (!g->is(GroupState::stable) || g->generation_id() != generation) {
          // A rebalance started meanwhile: the member's join waits for it.
          return;
        }
        // KIP-814: a static leader keeps its assignment and skips assigning.
        const bool leader = g->is_leader(new_member_id);
        protocol::JoinGroupResponse r;
        if (leader) r.members = g->join_members();
        r.member_id = new_member_id;
        r.generation_id = g->generation_id();
        r.protocol_type = g->protocol_type();
        r.protocol_name = g->protocol_name();
        r.leader = g->leader_or_empty();
        r.skip_assignment = leader;
        g->complete_join(*m, std::move(r));
      });
      return;
    }
    case GroupState::completing_rebalance:
      // The leader may already be assigning with the old member id.
      return prepare_rebalance(g, "updating metadata for static member " + instance_id);
    case GroupState::preparing_rebalance:
      return maybe_complete_join_phase(g);
    case GroupState::empty:
    case GroupState::dead:
      spdlog::error("group {}: static member {} rejoined in state {}", g.group_id(), instance_id,
                    state_name(g.state()));
      return;
  }
}

void GroupCoordinatorShard::update_member_and_rebalance(ClassicGroup& g, ClassicMember& m,
                                                        const protocol::JoinGroupRequest& req, JoinCallback done) {
  g.update_member(m, protocols_of(req), rebalance_timeout_of(req), req.session_timeout_ms, std::move(done));
  maybe_prepare_rebalance_or_complete_join(g, "updating metadata for member " + m.member_id);
}

void GroupCoordinatorShard::maybe_prepare_rebalance_or_complete_join(ClassicGroup& g, const std::string& reason) {
  if (g.can_rebalance()) prepare_rebalance(g, reason);
  else maybe_complete_join_phase(g);
}

void GroupCoordinatorShard::prepare_rebalance(ClassicGroup& g, const std::string& reason) {
  // Members waiting on SyncGroup rejoin instead.
  if (g.is(GroupState::completing_rebalance)) reset_and_propagate_assignment_error(g, error::kRebalanceInProgress);
  services_.cancel("sync-" + g.group_id());
  const bool initial = g.is(GroupState::empty);
  if (initial) {
    // A new group: give the other members time to join too.
    const int32_t delay = config_.initial_rebalance_delay_ms;
    const int32_t remaining = std::max(g.rebalance_timeout_ms() - delay, 0);
    services_.schedule("join-" + g.group_id(), delay, [this, gid = g.group_id(), delay, remaining] {
      try_complete_initial_rebalance(gid, delay, remaining);
    });
  }
  g.transition_to(GroupState::preparing_rebalance, services_.now_ms());
  spdlog::info("group {}: preparing to rebalance in generation {} ({})", g.group_id(), g.generation_id(), reason);
  if (!initial) maybe_complete_join_else_schedule(g);
}

void GroupCoordinatorShard::maybe_complete_join_else_schedule(ClassicGroup& g) {
  if (g.is(GroupState::preparing_rebalance) && g.has_all_members_joined()) return complete_join(g);
  services_.schedule("join-" + g.group_id(), g.rebalance_timeout_ms(), [this, gid = g.group_id()] {
    if (ClassicGroup* g = find_group(gid)) complete_join(*g);
  });
}

void GroupCoordinatorShard::maybe_complete_join_phase(ClassicGroup& g) {
  // Not after Empty: the initial delay holds the first join open.
  if (g.is(GroupState::preparing_rebalance) && g.has_all_members_joined() &&
      g.previous_state() != GroupState::empty)
    complete_join(g);
}

void GroupCoordinatorShard::try_complete_initial_rebalance(const std::string& group_id, int32_t delay_ms,
                                                           int32_t remaining_ms) {
  ClassicGroup* g = find_group(group_id);
  if (!g || !g->is(GroupState::preparing_rebalance)) return;
  if (g->new_member_added() && remaining_ms != 0) {
    // Someone joined during the delay: wait again, within the rebalance timeout.
    g->set_new_member_added(false);
    const int32_t new_delay = std::min(config_.initial_rebalance_delay_ms, remaining_ms);
    const int32_t new_remaining = std::max(remaining_ms - delay_ms, 0);
    services_.schedule("join-" + group_id, new_delay, [this, group_id, new_delay, new_remaining] {
      try_complete_initial_rebalance(group_id, new_delay, new_remaining);
    });
    return;
  }
  complete_join(*g);
}

void GroupCoordinatorShard::complete_join(ClassicGroup& g) {
  services_.cancel("join-" + g.group_id());
  if (!g.is(GroupState::preparing_rebalance)) return;
  // Dynamic members that did not rejoin in time are gone; static ones keep
  // their place until their session or the sync phase ends.
  for (const auto& id : g.not_yet_rejoined_members()) {
    if (g.member(id)->is_static()) continue;
    services_.cancel(heartbeat_key(g.group_id(), id));
    g.remove(id);
  }
  if (!g.maybe_elect_new_joined_leader() && g.size() > 0) {
    // Nobody rejoined: wait another rebalance timeout for sessions to expire.
    spdlog::error("group {}: could not complete rebalance because no members rejoined", g.group_id());
    services_.schedule("join-" + g.group_id(), g.rebalance_timeout_ms(), [this, gid = g.group_id()] {
      if (ClassicGroup* g = find_group(gid)) complete_join(*g);
    });
    return;
  }
  g.init_next_generation(services_.now_ms());
  if (g.is(GroupState::empty)) {
    spdlog::info("group {} with generation {} is now empty", g.group_id(), g.generation_id());
    services_.write({group_metadata_record(g, {})}, false, [gid = g.group_id()](int16_t err) {
      // The previous generation comes back on a reload; it has no live members.
      if (err) spdlog::warn("group {}: writing empty group metadata failed (error {})", gid, err);
    });
    return;
  }
  spdlog::info("group {}: stabilized generation {} with {} members (protocol {})", g.group_id(), g.generation_id(),
               g.size(), g.protocol_name().value_or(""));
  std::vector<std::string> ids;
  for (const auto& [id, m] : g.members()) ids.push_back(id);
  for (const auto& id : ids) {
    ClassicMember& m = *g.member(id);
    protocol::JoinGroupResponse r;
    if (g.is_leader(id)) r.members = g.join_members();
    r.member_id = id;
    r.generation_id = g.generation_id();
    r.protocol_type = g.protocol_type();
    r.protocol_name = g.protocol_name();
    r.leader = g.leader_or_empty();
    g.complete_join(m, std::move(r));
    reschedule_heartbeat(g, m);
    m.is_new = false;
    g.add_pending_sync_member(id);
  }
  schedule_pending_sync(g);
}

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
