#include "broker/fetch/fetch_session_cache.h"

#include <algorithm>

namespace fjord::broker {

namespace {
constexpr int32_t kInitialEpoch = 0;
constexpr int32_t kFinalEpoch = -1;
}  // namespace

bool FetchSession::note_response(const SessionPartition& key, int64_t high_watermark, int64_t log_start_offset,
                                 bool has_records, bool has_error) {
  std::lock_guard lock(mu_);
  auto it = partitions_.find(key);
  if (it == partitions_.end()) return true;
  auto& st = it->second;
  bool changed = has_records || has_error || st.sent_hw != high_watermark || st.sent_log_start != log_start_offset;
  st.sent_hw = high_watermark;
  st.sent_log_start = log_start_offset;
  return changed;
}

int32_t FetchSessionCache::new_id_locked() {
  std::uniform_int_distribution<int32_t> dist(1, INT32_MAX);
  for (;;) {
    int32_t id = dist(rng_);
    if (!sessions_.count(id)) return id;
  }
}

void FetchSessionCache::evict_if_full_locked() {
  if (sessions_.size() < max_sessions_) return;
  auto oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
    if (oldest == sessions_.end() || it->second->last_used_ < oldest->second->last_used_) oldest = it;
  if (oldest != sessions_.end()) sessions_.erase(oldest);
}

FetchContext FetchSessionCache::open(int32_t session_id, int32_t epoch, std::vector<FetchTarget> requested,
                                     const std::vector<SessionPartition>& forgotten) {
  FetchContext ctx;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (epoch == kFinalEpoch || epoch == kInitialEpoch) {
    // Both close any named session; epoch 0 also starts a fresh one.
    if (session_id != 0) sessions_.erase(session_id);
    if (epoch == kFinalEpoch) {
      ctx.targets = std::move(requested);
      return ctx;
    }
    if (max_sessions_ == 0) {
      ctx.targets = std::move(requested);
      return ctx;
    }
    evict_if_full_locked();
    auto s = std::make_shared<FetchSession>(new_id_locked());
    s->last_used_ = now;
    for (auto& t : requested) s->partitions_[t.key] = FetchSession::State{t, -1, -1};
    sessions_[s->id()] = s;
    ctx.response_session_id = s->id();
    ctx.session = std::move(s);
    ctx.targets = std::move(requested);
    return ctx;
  }
  auto it = sessions_.find(session_id);
  if (session_id == 0 || it == sessions_.end()) {
    ctx.error = kSessionIdNotFound;
    return ctx;
  }
  auto s = it->second;
  std::lock_guard slock(s->mu_);
  if (epoch != s->next_epoch_) {
    ctx.error = kInvalidEpoch;
    return ctx;
  }
  s->next_epoch_ = epoch == INT32_MAX ? 1 : epoch + 1;
  s->last_used_ = now;
  for (auto& t : requested) {
    auto [pit, inserted] = s->partitions_.try_emplace(t.key, FetchSession::State{t, -1, -1});
    if (!inserted) pit->second.target = t;
  }
  for (auto& f : forgotten) s->partitions_.erase(f);
  for (auto& [key, st] : s->partitions_) ctx.targets.push_back(st.target);
  // Start each round at a different partition so a small max_bytes budget
  // does not always go to the same ones (Kafka rotates its session order too).
  if (!ctx.targets.empty())
    std::rotate(ctx.targets.begin(), ctx.targets.begin() + static_cast<long>(static_cast<size_t>(epoch) % ctx.targets.size()),
                ctx.targets.end());
  ctx.response_session_id = s->id();
  ctx.incremental = true;
  ctx.session = std::move(s);
  return ctx;
}

size_t FetchSessionCache::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

bool FetchSessionCache::contains(int32_t session_id) const {
  std::lock_guard lock(mu_);
  return sessions_.count(session_id) != 0;
}

}  // namespace fjord::broker
