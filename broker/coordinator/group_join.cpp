// JoinGroup: the join phase of Kafka's classic group protocol
// (GroupMetadataManager's classicGroupJoin* methods).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <random>

#include "broker/coordinator/group_coordinator_shard.h"
#include "broker/coordinator/group_answers.h"
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
        return done(join_answer(g, member_id));
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
    g.complete_join(m, join_answer(g, id));
    reschedule_heartbeat(g, m);
    m.is_new = false;
    g.add_pending_sync_member(id);
  }
  schedule_pending_sync(g);
}

}  // namespace fjord::broker::coordinator
