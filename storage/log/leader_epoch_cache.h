#pragma once
// A partition's leader epochs and the offset each started at, kept in
// <partition dir>/leader-epoch-checkpoint in Kafka's format ("0\n<count>\n"
// then "<epoch> <start offset>" lines), as Kafka's LeaderEpochFileCache does.
// OffsetForLeaderEpoch and a follower's truncation read it (end_offset_for).
//
// Entries are strictly increasing in both epoch and start offset. Every
// change rewrites the file atomically (tmp file, fsync, rename, fsync dir).
// Thread-safe; a change holds this cache's own lock across the file write
// (never the partition's), and changes are rare: a new epoch, a truncation,
// a log start move.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/errc.h"

namespace fjord::storage {

struct EpochEntry {
  int32_t epoch = -1;
  int64_t start_offset = -1;
  bool operator==(const EpochEntry&) const = default;
};

class LeaderEpochCache {
 public:
  static constexpr const char* kFileName = "leader-epoch-checkpoint";
  static constexpr int32_t kUndefinedEpoch = -1;
  static constexpr int64_t kUndefinedOffset = -1;

  // Reads <dir>/leader-epoch-checkpoint. A missing file is an empty cache;
  // a malformed one too, with *malformed set (the caller may rebuild).
  static std::unique_ptr<LeaderEpochCache> load(const std::string& dir, bool* malformed = nullptr);

  // Kafka's assign: `epoch` starts at `start_offset` unless it is already the
  // latest epoch starting at or before it. Entries that would break the
  // order (epoch >= `epoch` or start >= `start_offset`) go first. Writes the
  // file when something changed; `durable` false skips its fsyncs (a new
  // partition: the caller fsyncs the directory, and a lost file is rebuilt).
  Errc assign(int32_t epoch, int64_t start_offset, bool durable = true);
  // Kafka's truncateFromEnd: drops the entries starting at or after `end_offset`.
  Errc truncate_from_end(int64_t end_offset);
  // Kafka's truncateFromStart: the last entry starting at or below
  // `start_offset` now starts there, earlier ones go.
  Errc truncate_from_start(int64_t start_offset);
  // Drops every entry (a log truncated fully).
  Errc clear();

  // Kafka's endOffsetFor: {epoch, end offset} of the requested epoch, i.e.
  // the start offset of the first later epoch, or `log_end_offset` for the
  // latest one. An epoch below every known one answers the first known
  // start; an undefined or unknown-too-high epoch {-1, -1}.
  std::pair<int32_t, int64_t> end_offset_for(int32_t epoch, int64_t log_end_offset) const;

  std::optional<EpochEntry> latest() const;
  std::optional<EpochEntry> earliest() const;
  std::vector<EpochEntry> entries() const;
  const std::string& path() const { return path_; }

  // The checkpoint text for `entries` (tests, tools).
  static std::string format(const std::vector<EpochEntry>& entries);
  // nullopt when malformed.
  static std::optional<std::vector<EpochEntry>> parse(const std::string& text);

 private:
  explicit LeaderEpochCache(std::string path) : path_(std::move(path)) {}
  Errc write_locked(bool durable);

  const std::string path_;
  mutable std::mutex mu_;
  std::vector<EpochEntry> entries_;  // increasing epoch and start offset
};

}  // namespace fjord::storage
