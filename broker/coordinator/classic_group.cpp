#include "broker/coordinator/classic_group.h"

#include <algorithm>
#include <stdexcept>

#include "protocol/wire/reader.h"

namespace fjord::broker::coordinator {
namespace {

constexpr int16_t kUnknownMemberId = 25;
constexpr int16_t kFencedInstanceId = 82;

// The topics of a ConsumerProtocolSubscription: every version starts with
// version (int16) and topics ([]string), which is all Kafka reads here.
std::optional<std::vector<std::string>> subscription_topics(const std::vector<uint8_t>& metadata) {
  protocol::Reader r(metadata.data(), metadata.size());
  int16_t version = r.i16();
  if (!r.ok() || version < 0) return std::nullopt;
  int64_t n = r.classic_count();
  if (n < 0) return std::nullopt;
  std::vector<std::string> topics;
  for (int64_t i = 0; i < n && r.ok(); ++i) topics.push_back(r.string(false));
  if (!r.ok()) return std::nullopt;
  return topics;
}

}  // namespace

const char* state_name(GroupState s) {
  switch (s) {
    case GroupState::empty: return "Empty";
    case GroupState::preparing_rebalance: return "PreparingRebalance";
    case GroupState::completing_rebalance: return "CompletingRebalance";
    case GroupState::stable: return "Stable";
    case GroupState::dead: return "Dead";
  }
  return "Dead";
}

std::vector<uint8_t> ClassicMember::metadata(const std::string& protocol) const {
  for (const auto& p : protocols)
    if (p.name == protocol) return p.metadata;
  return {};
}

std::string ClassicMember::vote(const std::set<std::string>& candidates) const {
  for (const auto& p : protocols)
    if (candidates.count(p.name)) return p.name;
  return {};
}

ClassicGroup::ClassicGroup(std::string group_id, GroupState state, int64_t now_ms)
    : group_id_(std::move(group_id)), state_(state), current_state_timestamp_(now_ms) {}

ClassicMember* ClassicGroup::member(const std::string& id) {
  auto it = members_.find(id);
  return it == members_.end() ? nullptr : &it->second;
}

void ClassicGroup::add(ClassicMember m, JoinCallback join) {
  if (m.group_instance_id) static_members_[*m.group_instance_id] = m.member_id;
  if (members_.empty()) protocol_type_ = m.protocol_type;
  if (!leader_id_) leader_id_ = m.member_id;
  for (const auto& p : m.protocols) ++supported_protocols_[p.name];
  m.awaiting_join = std::move(join);
  if (m.is_awaiting_join()) ++awaiting_join_count_;
  pending_join_.erase(m.member_id);
  std::string id = m.member_id;
  members_.insert_or_assign(id, std::move(m));
}

void ClassicGroup::remove(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it != members_.end()) {
    for (const auto& p : it->second.protocols) --supported_protocols_[p.name];
    if (it->second.is_awaiting_join()) --awaiting_join_count_;
    if (it->second.group_instance_id) static_members_.erase(*it->second.group_instance_id);
    members_.erase(it);
  }
  if (is_leader(member_id)) {
    if (members_.empty()) leader_id_.reset();
    else leader_id_ = members_.begin()->first;
  }
  pending_join_.erase(member_id);
  pending_sync_.erase(member_id);
}

ClassicMember& ClassicGroup::replace_static_member(const std::string& instance_id, const std::string& old_id,
                                                   const std::string& new_id) {
  auto it = members_.find(old_id);
  if (it == members_.end()) throw std::logic_error("replacing unknown member " + old_id);
  ClassicMember old = std::move(it->second);
  members_.erase(it);
  // A duplicate instance still waiting on a call is fenced right away.
  if (old.is_awaiting_join()) {
    --awaiting_join_count_;
    protocol::JoinGroupResponse r;
    r.member_id = old_id;
    r.protocol_name = std::nullopt;
    r.protocol_type = std::nullopt;
    r.error_code = kFencedInstanceId;
    auto cb = std::move(old.awaiting_join);
    cb(std::move(r));
  }
  if (old.is_awaiting_sync()) {
    protocol::SyncGroupResponse r;
    r.error_code = kFencedInstanceId;
    auto cb = std::move(old.awaiting_sync);
    cb(std::move(r));
  }
  ClassicMember m = std::move(old);
  m.awaiting_join = nullptr;
  m.awaiting_sync = nullptr;
  m.member_id = new_id;
  if (is_leader(old_id)) leader_id_ = new_id;
  static_members_[instance_id] = new_id;
  pending_sync_.erase(old_id);
  return members_.insert_or_assign(new_id, std::move(m)).first->second;
}

void ClassicGroup::update_member(ClassicMember& m, std::vector<MemberProtocol> protocols, int32_t rebalance_timeout_ms,
                                 int32_t session_timeout_ms, JoinCallback join) {
  for (const auto& p : m.protocols) --supported_protocols_[p.name];
  m.protocols = std::move(protocols);
  for (const auto& p : m.protocols) ++supported_protocols_[p.name];
  m.rebalance_timeout_ms = rebalance_timeout_ms;
  m.session_timeout_ms = session_timeout_ms;
  if (join && !m.is_awaiting_join()) ++awaiting_join_count_;
  else if (!join && m.is_awaiting_join()) --awaiting_join_count_;
  m.awaiting_join = std::move(join);
}

std::optional<std::string> ClassicGroup::static_member_id(const std::string& instance_id) const {
  auto it = static_members_.find(instance_id);
  if (it == static_members_.end()) return std::nullopt;
  return it->second;
}

bool ClassicGroup::is_static_member_fenced(const std::string& instance_id, const std::string& member_id) const {
  auto existing = static_member_id(instance_id);
  return existing && *existing != member_id;
}

int16_t ClassicGroup::validate_member(const std::string& member_id,
                                      const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    auto existing = static_member_id(*instance_id);
    if (!existing) return kUnknownMemberId;
    if (*existing != member_id) return kFencedInstanceId;
  }
  return has_member(member_id) ? 0 : kUnknownMemberId;
}

std::vector<std::string> ClassicGroup::not_yet_rejoined_members() const {
  std::vector<std::string> out;
  for (const auto& [id, m] : members_)
    if (!m.is_awaiting_join()) out.push_back(id);
  return out;
}

bool ClassicGroup::maybe_elect_new_joined_leader() {
  if (!leader_id_) return false;
  auto it = members_.find(*leader_id_);
  if (it != members_.end() && it->second.is_awaiting_join()) return true;
  for (const auto& [id, m] : members_) {
    if (m.is_awaiting_join()) {
      leader_id_ = id;
      return true;
    }
  }
  return false;
}

int32_t ClassicGroup::rebalance_timeout_ms() const {
  int32_t t = 0;
  for (const auto& [id, m] : members_) t = std::max(t, m.rebalance_timeout_ms);
  return t;
}

std::set<std::string> ClassicGroup::candidate_protocols() const {
  std::set<std::string> out;
  for (const auto& [name, count] : supported_protocols_)
    if (count == int(members_.size())) out.insert(name);
  return out;
}

bool ClassicGroup::supports_protocols(const std::string& protocol_type,
                                      const std::vector<MemberProtocol>& protocols) const {
  if (state_ == GroupState::empty) return !protocol_type.empty() && !protocols.empty();
  if (!protocol_type_ || *protocol_type_ != protocol_type) return false;
  for (const auto& p : protocols) {
    auto it = supported_protocols_.find(p.name);
    if (it != supported_protocols_.end() && it->second == int(members_.size())) return true;
  }
  return false;
}

std::string ClassicGroup::select_protocol() const {
  const auto candidates = candidate_protocols();
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members_) ++votes[m.vote(candidates)];
  std::string best;
  int most = -1;
  for (const auto& [name, n] : votes)
    if (n > most) { best = name; most = n; }
  return best;
}

void ClassicGroup::transition_to(GroupState s, int64_t now_ms) {
  previous_state_ = state_;
  state_ = s;
  current_state_timestamp_ = now_ms;
}

void ClassicGroup::init_next_generation(int64_t now_ms) {
  ++generation_id_;
  if (!members_.empty()) {
    protocol_name_ = select_protocol();
    refresh_subscribed_topics();
    transition_to(GroupState::completing_rebalance, now_ms);
  } else {
    protocol_name_.reset();
    refresh_subscribed_topics();
    transition_to(GroupState::empty, now_ms);
  }
  pending_sync_.clear();
}

std::vector<protocol::JoinGroupResponse::JoinGroupResponseMember> ClassicGroup::join_members() const {
  std::vector<protocol::JoinGroupResponse::JoinGroupResponseMember> out;
  out.reserve(members_.size());
  for (const auto& [id, m] : members_) {
    auto& r = out.emplace_back();
    r.member_id = id;
    r.group_instance_id = m.group_instance_id;
    r.metadata = m.metadata(protocol_name_.value_or(""));
  }
  return out;
}

bool ClassicGroup::complete_join(ClassicMember& m, protocol::JoinGroupResponse response) {
  if (!m.is_awaiting_join()) return false;
  auto cb = std::move(m.awaiting_join);
  m.awaiting_join = nullptr;
  --awaiting_join_count_;
  cb(std::move(response));
  return true;
}

bool ClassicGroup::complete_sync(ClassicMember& m, protocol::SyncGroupResponse response) {
  if (!m.is_awaiting_sync()) return false;
  auto cb = std::move(m.awaiting_sync);
  m.awaiting_sync = nullptr;
  cb(std::move(response));
  return true;
}

void ClassicGroup::refresh_subscribed_topics() {
  subscribed_topics_.reset();
  if (!uses_consumer_protocol()) return;
  if (members_.empty()) {
    subscribed_topics_.emplace();
    return;
  }
  if (!protocol_name_) return;
  std::set<std::string> all;
  for (const auto& [id, m] : members_) {
    auto topics = subscription_topics(m.metadata(*protocol_name_));
    if (!topics) return;  // unparseable: the coordinator does not know
    all.insert(topics->begin(), topics->end());
  }
  subscribed_topics_ = std::move(all);
}

void ClassicGroup::restore(int32_t generation, std::optional<std::string> protocol_type,
                           std::optional<std::string> protocol_name, std::optional<std::string> leader,
                           int64_t state_timestamp) {
  generation_id_ = generation;
  protocol_type_ = std::move(protocol_type);
  protocol_name_ = std::move(protocol_name);
  leader_id_ = std::move(leader);
  current_state_timestamp_ = state_timestamp;
}

}  // namespace fjord::broker::coordinator
