#pragma once
// Fetch sessions (KIP-227, Fetch v7+). A full fetch with epoch 0 creates a
// session; later requests with the session id and the next epoch send only
// changed partitions and forgotten ones, and the response lists only
// partitions whose data or offsets changed. Sessions live in one cache for
// the whole broker with least-recently-used eviction.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/wire/uuid.h"

namespace fjord::broker {

struct SessionPartition {
  std::string topic;
  int32_t partition = 0;
  bool operator<(const SessionPartition& o) const {
    return topic != o.topic ? topic < o.topic : partition < o.partition;
  }
  bool operator==(const SessionPartition&) const = default;
};

struct FetchTarget {
  SessionPartition key;
  protocol::Uuid topic_id;
  int64_t fetch_offset = 0;
  int32_t max_bytes = 0;
  int32_t current_leader_epoch = -1;  // fenced against the log's (-1: not sent)
};

class FetchSession {
 public:
  FetchSession(int32_t id) : id_(id) {}
  int32_t id() const { return id_; }

  // Decides whether an incremental response includes this partition and
  // remembers what was sent. Full responses always include everything but
  // still call this to record the baseline.
  bool note_response(const SessionPartition& key, int64_t high_watermark, int64_t log_start_offset,
                     bool has_records, bool has_error);

 private:
  friend class FetchSessionCache;
  struct State {
    FetchTarget target;
    int64_t sent_hw = -1;
    int64_t sent_log_start = -1;
  };
  int32_t id_;
  int32_t next_epoch_ = 1;
  std::map<SessionPartition, State> partitions_;
  std::chrono::steady_clock::time_point last_used_;
  std::mutex mu_;
};

struct FetchContext {
  int16_t error = 0;            // 0, 70 FETCH_SESSION_ID_NOT_FOUND or 71 INVALID_FETCH_SESSION_EPOCH
  int32_t response_session_id = 0;
  bool incremental = false;     // response lists only changed partitions
  std::shared_ptr<FetchSession> session;  // null when sessionless
  std::vector<FetchTarget> targets;       // what to read, in order
};

class FetchSessionCache {
 public:
  static constexpr int16_t kSessionIdNotFound = 70;
  static constexpr int16_t kInvalidEpoch = 71;

  explicit FetchSessionCache(size_t max_sessions = 1000) : max_sessions_(max_sessions) {}

  // Applies one Fetch request's session fields. `requested` are the request
  // partitions; `forgotten` the forgotten-topics entries (v7+).
  FetchContext open(int32_t session_id, int32_t epoch, std::vector<FetchTarget> requested,
                    const std::vector<SessionPartition>& forgotten);

  size_t size() const;
  bool contains(int32_t session_id) const;

 private:
  int32_t new_id_locked();
  void evict_if_full_locked();

  size_t max_sessions_;
  mutable std::mutex mu_;
  std::unordered_map<int32_t, std::shared_ptr<FetchSession>> sessions_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace fjord::broker
