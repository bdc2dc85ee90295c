// ListGroups, DescribeGroups and DeleteGroups.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "broker/coordinator/group_coordinator_shard.h"
#include "broker/coordinator/group_errors.h"

namespace fjord::broker::coordinator {
namespace {

std::string lower_trimmed(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void GroupCoordinatorShard::list_groups(const std::vector<std::string>& states, const std::vector<std::string>& types,
                                        std::vector<protocol::ListGroupsResponse::ListedGroup>& out) const {
  // Filters compare case-insensitively; every group here is "classic".
  std::vector<std::string> wanted_states, wanted_types;
  for (const auto& s : states) wanted_states.push_back(lower_trimmed(s));
  for (const auto& t : types) wanted_types.push_back(lower_trimmed(t));
  const bool classic_wanted =
      wanted_types.empty() || std::find(wanted_types.begin(), wanted_types.end(), "classic") != wanted_types.end();
  if (!classic_wanted) return;
  for (const auto& [id, g] : groups_) {
    if (g->is(GroupState::dead)) continue;
    const std::string state = state_name(g->state());
    if (!wanted_states.empty() &&
        std::find(wanted_states.begin(), wanted_states.end(), lower_trimmed(state)) == wanted_states.end())
      continue;
    auto& l = out.emplace_back();
    l.group_id = id;
    l.protocol_type = g->protocol_type().value_or("");
    l.group_state = state;
    l.group_type = "classic";
  }
}

protocol::DescribeGroupsResponse::DescribedGroup GroupCoordinatorShard::describe_group(
    const std::string& group_id) const {
  protocol::DescribeGroupsResponse::DescribedGroup d;
  d.group_id = group_id;
  const ClassicGroup* g = group(group_id);
  if (!g) {
    d.group_state = state_name(GroupState::dead);
    return d;
  }
  d.group_state = state_name(g->state());
  d.protocol_type = g->protocol_type().value_or("");
  // Member metadata and assignments only in a Stable group.
  const bool stable = g->is(GroupState::stable);
  if (stable) d.protocol_data = g->protocol_name().value_or("");
  for (const auto& [id, m] : g->members()) {
    auto& dm = d.members.emplace_back();
    dm.member_id = id;
    dm.group_instance_id = m.group_instance_id;
    dm.client_id = m.client_id;
    dm.client_host = m.client_host;
    if (stable) {
      dm.member_metadata = m.metadata(d.protocol_data);
      dm.member_assignment = m.assignment;
    }
  }
  return d;
}

void GroupCoordinatorShard::delete_groups(
    const std::vector<std::string>& group_ids,
    std::function<void(std::vector<protocol::DeleteGroupsResponse::DeletableGroupResult>)> done) {
  std::vector<protocol::DeleteGroupsResponse::DeletableGroupResult> results;
  std::vector<CoordinatorRecord> records;
  std::vector<std::string> deleted;
  for (const auto& id : group_ids) {
    auto& r = results.emplace_back();
    r.group_id = id;
    ClassicGroup* g = find_group(id);
    if (!g || g->is(GroupState::dead)) {
      r.error_code = error::kGroupIdNotFound;
      continue;
    }
    if (!g->is(GroupState::empty)) {
      r.error_code = error::kNonEmptyGroup;
      continue;
    }
    if (auto it = offsets_.find(id); it != offsets_.end())
      for (const auto& [topic, parts] : it->second)
        for (const auto& [partition, o] : parts) records.push_back(offset_tombstone(id, topic, partition));
    records.push_back(group_tombstone(id));
    // Dead until the tombstones are applied: joins and commits retry.
    g->transition_to(GroupState::dead, services_.now_ms());
    deleted.push_back(id);
  }
  if (records.empty()) return done(std::move(results));
  services_.write(std::move(records), true,
                  [this, results = std::move(results), deleted, done = std::move(done)](int16_t err) mutable {
    if (err) {
      for (auto& r : results)
        if (r.error_code == error::kNone) r.error_code = err;
      for (const auto& id : deleted)
        if (ClassicGroup* g = find_group(id); g && g->is(GroupState::dead))
          g->transition_to(GroupState::empty, services_.now_ms());
    } else {
      for (const auto& id : deleted) spdlog::info("group {} deleted", id);
    }
    done(std::move(results));
  });
}

}  // namespace fjord::broker::coordinator
