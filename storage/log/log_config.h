#pragma once
// Per-topic log configuration with Kafka's topic-level names and defaults.
// Topic overrides arrive as name -> string (CreateTopics/AlterConfigs) and are
// validated here; describe() renders the effective values for DescribeConfigs.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/records/record_batch.h"
#include "storage/errc.h"

namespace fjord::storage {

// One row for DescribeConfigs.
struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;  // nullopt renders as null (e.g. unset flush.ms)
  bool is_default = true;            // false when the topic overrides it
  bool read_only = false;
  bool sensitive = false;
  std::string type;                  // Kafka ConfigType name: BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD
  std::string documentation;         // one line; empty is fine for clients
};

struct LogConfig {
  int64_t segment_bytes = 1 << 30;                  // segment.bytes
  int64_t segment_ms = 7 * 24 * 3600 * 1000LL;      // segment.ms
  int64_t segment_jitter_ms = 0;                    // segment.jitter.ms
  int64_t retention_ms = 7 * 24 * 3600 * 1000LL;    // retention.ms (-1 = infinite)
  int64_t retention_bytes = -1;                     // retention.bytes (-1 = infinite)
  int32_t index_interval_bytes = 4096;              // index.interval.bytes
  int32_t segment_index_bytes = 10 << 20;           // segment.index.bytes
  std::optional<int64_t> flush_messages;            // flush.messages (unset = durable mode)
  std::optional<int64_t> flush_ms;                  // flush.ms (unset = durable mode)
  bool cleanup_compact = false;                     // cleanup.policy contains compact
  bool cleanup_delete = true;                       // cleanup.policy contains delete
  int64_t delete_retention_ms = 86400000;           // delete.retention.ms
  int64_t min_compaction_lag_ms = 0;                // min.compaction.lag.ms
  int64_t max_compaction_lag_ms = INT64_MAX;        // max.compaction.lag.ms
  double min_cleanable_dirty_ratio = 0.5;           // min.cleanable.dirty.ratio
  int32_t max_message_bytes = 1048588;              // max.message.bytes
  bool log_append_time = false;                     // message.timestamp.type=LogAppendTime
  int64_t message_timestamp_before_max_ms = INT64_MAX;  // message.timestamp.before.max.ms
  int64_t message_timestamp_after_max_ms = INT64_MAX;   // message.timestamp.after.max.ms
  std::string compression_type = "producer";        // compression.type (applied by the broker)
  int32_t min_insync_replicas = 1;                  // min.insync.replicas
  bool preallocate = false;                         // preallocate
  int64_t file_delete_delay_ms = 60000;             // file.delete.delay.ms
  bool unclean_leader_election_enable = false;      // unclean.leader.election.enable (one replica: no effect)
  // Accepted and reported, without effect on a single node without tiered
  // storage; recompression uses each codec's default level.
  int32_t compression_gzip_level = -1;              // compression.gzip.level
  int32_t compression_lz4_level = 9;                // compression.lz4.level
  int32_t compression_zstd_level = 3;               // compression.zstd.level
  int64_t local_retention_ms = -2;                  // local.retention.ms
  int64_t local_retention_bytes = -2;               // local.retention.bytes
  bool remote_storage_enable = false;               // remote.storage.enable (true is refused)
  bool remote_log_copy_disable = false;             // remote.log.copy.disable
  bool remote_log_delete_on_disable = false;        // remote.log.delete.on.disable
  bool message_downconversion_enable = true;        // message.downconversion.enable
  std::string message_format_version = "3.0-IV1";   // message.format.version
  std::string leader_throttled_replicas;            // leader.replication.throttled.replicas
  std::string follower_throttled_replicas;          // follower.replication.throttled.replicas

  // True when neither flush.messages nor flush.ms is set: every acknowledged
  // append is fdatasync'ed first (group commit). Otherwise Kafka's page-cache
  // behaviour with periodic flushes.
  bool durable_mode() const { return !flush_messages && !flush_ms; }
  // The codec compression.type stores batches in; nullopt for "producer"
  // (kept as sent).
  std::optional<protocol::Compression> stored_codec() const;

  // Returns `base` with `overrides` applied. Unknown key or bad value ->
  // invalid_config and *error names the key and the reason.
  static Errc parse(const LogConfig& base, const std::map<std::string, std::string>& overrides,
                    LogConfig* out, std::string* error);

  // Every topic-level config Kafka lists, with the effective value; entries
  // named in `overrides` are marked non-default.
  std::vector<ConfigEntry> describe(const std::map<std::string, std::string>& overrides) const;

  // True when `name` is a topic-level config this engine knows.
  static bool is_known(const std::string& name);
  // Every topic-level config name (Kafka 3.9's list), sorted.
  static std::vector<std::string> names();
  // Kafka's ConfigDef type of a known name (BOOLEAN, STRING, INT, LONG,
  // DOUBLE, LIST), nullptr for unknown ones.
  static const char* type_of(const std::string& name);
  // Why `value` is not acceptable for the known config `name` (ConfigDef's
  // wording, e.g. "Value must be at least -1"), or "" when it is.
  static std::string check_value(const std::string& name, const std::string& value);
  // The value of `name` as Kafka renders it (nullopt for unknown names).
  std::optional<std::string> value_of(const std::string& name) const;
};

}  // namespace fjord::storage
