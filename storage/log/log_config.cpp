#include "storage/log/log_config.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <sstream>

namespace fjord::storage {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Java's Long.parseLong on the trimmed text (a leading '+' is allowed).
bool parse_long(const std::string& text, int64_t* out) {
  std::string s = trim(text);
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b < e && *b == '+' && e - b > 1 && b[1] != '-') ++b;
  auto [p, ec] = std::from_chars(b, e, *out);
  return ec == std::errc() && p == e && b != e;
}

bool parse_bool(const std::string& text, bool* out) {
  std::string s = trim(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (s == "true") { *out = true; return true; }
  if (s == "false") { *out = false; return true; }
  return false;
}

std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Applies a value or returns Kafka's reason it is invalid (ConfigDef wording).
using Apply = std::function<std::string(LogConfig& c, const std::string& value)>;
using Render = std::function<std::optional<std::string>(const LogConfig& c)>;

struct Key {
  const char* name;
  const char* type;
  Apply apply;
  Render render;
};

std::string at_least(int64_t min) { return "Value must be at least " + std::to_string(min); }

Apply long_at_least(int64_t LogConfig::*field, int64_t min) {
  return [field, min](LogConfig& c, const std::string& v) -> std::string {
    int64_t x;
    if (!parse_long(v, &x)) return "Not a number of type LONG";
    if (x < min) return at_least(min);
    c.*field = x;
    return "";
  };
}

Apply int_between(int32_t LogConfig::*field, int64_t min, int64_t max = INT32_MAX) {
  return [field, min, max](LogConfig& c, const std::string& v) -> std::string {
    int64_t x;
    if (!parse_long(v, &x) || x > INT32_MAX || x < INT32_MIN) return "Not a number of type INT";
    if (x < min) return at_least(min);
    if (x > max) return "Value must be no more than " + std::to_string(max);
    c.*field = int32_t(x);
    return "";
  };
}

Apply boolean(bool LogConfig::*field) {
  return [field](LogConfig& c, const std::string& v) -> std::string {
    bool b;
    if (!parse_bool(v, &b)) return "Expected value to be either true or false";
    c.*field = b;
    return "";
  };
}

Apply one_of(std::string LogConfig::*field, std::vector<std::string> allowed) {
  return [field, allowed](LogConfig& c, const std::string& v) -> std::string {
    std::string t = trim(v);
    if (std::find(allowed.begin(), allowed.end(), t) == allowed.end()) {
      std::string list;
      for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return "String must be one of: " + list;
    }
    c.*field = t;
    return "";
  };
}

template <typename T>
Render show(T LogConfig::*field) {
  return [field](const LogConfig& c) -> std::optional<std::string> {
    if constexpr (std::is_same_v<T, bool>) return std::string(c.*field ? "true" : "false");
    else if constexpr (std::is_same_v<T, std::string>) return c.*field;
    else return std::to_string(c.*field);
  };
}

// Kafka's ThrottledReplicaListValidator: "*" or partition:broker pairs.
Apply throttled_replicas(std::string LogConfig::*field) {
  return [field](LogConfig& c, const std::string& v) -> std::string {
    auto items = split_list(v);
    bool ok = items.size() == 1 && items[0] == "*";
    if (!ok) {
      ok = true;
      for (auto& i : items) {
        auto colon = i.find(':');
        int64_t a, b;
        if (colon == std::string::npos || !parse_long(i.substr(0, colon), &a) || !parse_long(i.substr(colon + 1), &b))
          ok = false;
      }
    }
    if (!ok)
      return "Must be the literal \"*\" or a list of replicas in the format "
             "[PartitionId]:[BrokerId],[PartitionId]:[BrokerId],...";
    c.*field = trim(v);
    return "";
  };
}

// Kafka 3.9's message format versions (MetadataVersion names and their
// short forms); ignored from 3.0 on, as Kafka ignores them.
bool valid_format_version(const std::string& v) {
  static const char* versions[] = {"0.8.0", "0.8.1", "0.8.2", "0.9.0", "0.10.0", "0.10.1", "0.10.2", "0.11.0",
                                   "1.0",   "1.1",   "2.0",   "2.1",   "2.2",    "2.3",    "2.4",    "2.5",
                                   "2.6",   "2.7",   "2.8",   "3.0",   "3.1",    "3.2",    "3.3",    "3.4",
                                   "3.5",   "3.6",   "3.7",   "3.8",   "3.9"};
  std::string base = v.substr(0, v.find('-'));
  for (auto s : versions)
    if (base == s) return true;
  return false;
}

const std::vector<Key>& keys() {
  static const std::vector<Key> k = {
      {"cleanup.policy", "LIST",
       [](LogConfig& c, const std::string& v) -> std::string {
         bool compact = false, del = false;
         for (auto& item : split_list(v)) {
           if (item == "compact") compact = true;
           else if (item == "delete") del = true;
           else return "String must be one of: compact, delete";
         }
         // Kafka 3.9 accepts an empty list (no cleanup at all); fjord needs one.
         if (!compact && !del) return "String must be one of: compact, delete";
         c.cleanup_compact = compact;
         c.cleanup_delete = del;
         return "";
       },
       [](const LogConfig& c) -> std::optional<std::string> {
         if (c.cleanup_compact && c.cleanup_delete) return "compact,delete";
         return std::string(c.cleanup_compact ? "compact" : "delete");
       }},
      {"compression.gzip.level", "INT",
       [](LogConfig& c, const std::string& v) -> std::string {
         int64_t x;
         if (!parse_long(v, &x) || x > INT32_MAX || x < INT32_MIN) return "Not a number of type INT";
         if (x != -1 && (x < 1 || x > 9)) return "Value must be between 1 and 9 or equal to -1";
         c.compression_gzip_level = int32_t(x);
         return "";
       },
       show(&LogConfig::compression_gzip_level)},
      {"compression.lz4.level", "INT", int_between(&LogConfig::compression_lz4_level, 1, 17),
       show(&LogConfig::compression_lz4_level)},
      {"compression.type", "STRING",
       one_of(&LogConfig::compression_type, {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}),
       show(&LogConfig::compression_type)},
      {"compression.zstd.level", "INT", int_between(&LogConfig::compression_zstd_level, -131072, 22),
       show(&LogConfig::compression_zstd_level)},
      {"delete.retention.ms", "LONG", long_at_least(&LogConfig::delete_retention_ms, 0),
       show(&LogConfig::delete_retention_ms)},
      {"file.delete.delay.ms", "LONG", long_at_least(&LogConfig::file_delete_delay_ms, 0),
       show(&LogConfig::file_delete_delay_ms)},
      {"flush.messages", "LONG",
       [](LogConfig& c, const std::string& v) -> std::string {
         int64_t x;
         if (!parse_long(v, &x)) return "Not a number of type LONG";
         if (x < 1) return at_least(1);
         // Kafka's default (Long.MAX_VALUE) means "never by count": durable mode stays.
         c.flush_messages = x == INT64_MAX ? std::nullopt : std::optional<int64_t>(x);
         return "";
       },
       [](const LogConfig& c) -> std::optional<std::string> {
         return std::to_string(c.flush_messages.value_or(INT64_MAX));
       }},
      {"flush.ms", "LONG",
       [](LogConfig& c, const std::string& v) -> std::string {
         int64_t x;
         if (!parse_long(v, &x)) return "Not a number of type LONG";
         if (x < 0) return at_least(0);
         c.flush_ms = x == INT64_MAX ? std::nullopt : std::optional<int64_t>(x);
         return "";
       },
       [](const LogConfig& c) -> std::optional<std::string> { return std::to_string(c.flush_ms.value_or(INT64_MAX)); }},
      {"follower.replication.throttled.replicas", "LIST", throttled_replicas(&LogConfig::follower_throttled_replicas),
       show(&LogConfig::follower_throttled_replicas)},
      {"index.interval.bytes", "INT", int_between(&LogConfig::index_interval_bytes, 0),
       show(&LogConfig::index_interval_bytes)},
      {"leader.replication.throttled.replicas", "LIST", throttled_replicas(&LogConfig::leader_throttled_replicas),
       show(&LogConfig::leader_throttled_replicas)},
      {"local.retention.bytes", "LONG", long_at_least(&LogConfig::local_retention_bytes, -2),
       show(&LogConfig::local_retention_bytes)},
      {"local.retention.ms", "LONG", long_at_least(&LogConfig::local_retention_ms, -2),
       show(&LogConfig::local_retention_ms)},
      {"max.compaction.lag.ms", "LONG", long_at_least(&LogConfig::max_compaction_lag_ms, 1),
       show(&LogConfig::max_compaction_lag_ms)},
      {"max.message.bytes", "INT", int_between(&LogConfig::max_message_bytes, 0),
       show(&LogConfig::max_message_bytes)},
      {"message.downconversion.enable", "BOOLEAN", boolean(&LogConfig::message_downconversion_enable),
       show(&LogConfig::message_downconversion_enable)},
      {"message.format.version", "STRING",
       [](LogConfig& c, const std::string& v) -> std::string {
         std::string t = trim(v);
         if (!valid_format_version(t)) return "Version `" + t + "` is not a valid version";
         c.message_format_version = t;
         return "";
       },
       show(&LogConfig::message_format_version)},
      {"message.timestamp.after.max.ms", "LONG", long_at_least(&LogConfig::message_timestamp_after_max_ms, 0),
       show(&LogConfig::message_timestamp_after_max_ms)},
      {"message.timestamp.before.max.ms", "LONG", long_at_least(&LogConfig::message_timestamp_before_max_ms, 0),
       show(&LogConfig::message_timestamp_before_max_ms)},
      {"message.timestamp.difference.max.ms", "LONG",
       [](LogConfig& c, const std::string& v) -> std::string {
         int64_t x;
         if (!parse_long(v, &x)) return "Not a number of type LONG";
         if (x < 0) return at_least(0);
         // Deprecated alias that bounds both directions (KIP-937).
         c.message_timestamp_before_max_ms = x;
         c.message_timestamp_after_max_ms = x;
         return "";
       },
       show(&LogConfig::message_timestamp_before_max_ms)},
      {"message.timestamp.type", "STRING",
       [](LogConfig& c, const std::string& v) -> std::string {
         std::string t = trim(v);
         if (t == "CreateTime") c.log_append_time = false;
         else if (t == "LogAppendTime") c.log_append_time = true;
         else return "String must be one of: CreateTime, LogAppendTime";
         return "";
       },
       [](const LogConfig& c) -> std::optional<std::string> {
         return std::string(c.log_append_time ? "LogAppendTime" : "CreateTime");
       }},
      {"min.cleanable.dirty.ratio", "DOUBLE",
       [](LogConfig& c, const std::string& v) -> std::string {
         std::string t = trim(v);
         char* end = nullptr;
         errno = 0;
         double d = std::strtod(t.c_str(), &end);
         if (t.empty() || *end != '\0' || errno != 0) return "Not a number of type DOUBLE";
         if (d < 0.0) return "Value must be at least 0.0";
         if (!(d <= 1.0)) return "Value must be no more than 1.0";
         c.min_cleanable_dirty_ratio = d;
         return "";
       },
       [](const LogConfig& c) -> std::optional<std::string> {
         std::ostringstream os;
         os << c.min_cleanable_dirty_ratio;
         std::string s = os.str();
         if (s.find('.') == std::string::npos && s.find('e') == std::string::npos) s += ".0";
         return s;
       }},
      {"min.compaction.lag.ms", "LONG", long_at_least(&LogConfig::min_compaction_lag_ms, 0),
       show(&LogConfig::min_compaction_lag_ms)},
      {"min.insync.replicas", "INT", int_between(&LogConfig::min_insync_replicas, 1),
       show(&LogConfig::min_insync_replicas)},
      {"preallocate", "BOOLEAN", boolean(&LogConfig::preallocate), show(&LogConfig::preallocate)},
      {"remote.log.copy.disable", "BOOLEAN", boolean(&LogConfig::remote_log_copy_disable),
       show(&LogConfig::remote_log_copy_disable)},
      {"remote.log.delete.on.disable", "BOOLEAN", boolean(&LogConfig::remote_log_delete_on_disable),
       show(&LogConfig::remote_log_delete_on_disable)},
      {"remote.storage.enable", "BOOLEAN",
       [](LogConfig& c, const std::string& v) -> std::string {
         bool b;
         if (!parse_bool(v, &b)) return "Expected value to be either true or false";
         if (b) return "Tiered Storage functionality is disabled in the broker";
         c.remote_storage_enable = false;
         return "";
       },
       show(&LogConfig::remote_storage_enable)},
      {"retention.bytes", "LONG", long_at_least(&LogConfig::retention_bytes, INT64_MIN),
       show(&LogConfig::retention_bytes)},
      {"retention.ms", "LONG", long_at_least(&LogConfig::retention_ms, -1), show(&LogConfig::retention_ms)},
      {"segment.bytes", "INT",
       [](LogConfig& c, const std::string& v) -> std::string {
         int64_t x;
         if (!parse_long(v, &x) || x > INT32_MAX || x < INT32_MIN) return "Not a number of type INT";
         if (x < 14) return at_least(14);  // Kafka 3.9: LegacyRecord.RECORD_OVERHEAD_V0
         c.segment_bytes = x;
         return "";
       },
       show(&LogConfig::segment_bytes)},
      {"segment.index.bytes", "INT", int_between(&LogConfig::segment_index_bytes, 4),
       show(&LogConfig::segment_index_bytes)},
      {"segment.jitter.ms", "LONG", long_at_least(&LogConfig::segment_jitter_ms, 0),
       show(&LogConfig::segment_jitter_ms)},
      {"segment.ms", "LONG", long_at_least(&LogConfig::segment_ms, 1), show(&LogConfig::segment_ms)},
      {"unclean.leader.election.enable", "BOOLEAN", boolean(&LogConfig::unclean_leader_election_enable),
       show(&LogConfig::unclean_leader_election_enable)},
  };
  return k;
}

const Key* find_key(const std::string& name) {
  for (auto& k : keys())
    if (name == k.name) return &k;
  return nullptr;
}

}  // namespace

bool LogConfig::is_known(const std::string& name) { return find_key(name) != nullptr; }

std::vector<std::string> LogConfig::names() {
  std::vector<std::string> out;
  for (auto& k : keys()) out.emplace_back(k.name);
  return out;
}

const char* LogConfig::type_of(const std::string& name) {
  const Key* k = find_key(name);
  return k ? k->type : nullptr;
}

std::string LogConfig::check_value(const std::string& name, const std::string& value) {
  const Key* k = find_key(name);
  if (!k) return "Unknown topic config name: " + name;
  LogConfig scratch;
  return k->apply(scratch, value);
}

std::optional<std::string> LogConfig::value_of(const std::string& name) const {
  const Key* k = find_key(name);
  if (!k) return std::nullopt;
  return k->render(*this);
}

Errc LogConfig::parse(const LogConfig& base, const std::map<std::string, std::string>& overrides, LogConfig* out,
                      std::string* error) {
  LogConfig c = base;
  for (auto& [name, value] : overrides) {
    const Key* key = find_key(name);
    if (!key) {
      if (error) *error = "Unknown topic config name: " + name;
      return Errc::invalid_config;
    }
    std::string why = key->apply(c, value);
    if (!why.empty()) {
      if (error) *error = "Invalid value " + value + " for configuration " + name + ": " + why;
      return Errc::invalid_config;
    }
  }
  // Kafka's LogConfig.validateValues.
  if (c.min_compaction_lag_ms > c.max_compaction_lag_ms) {
    if (error)
      *error = "conflict topic config setting min.compaction.lag.ms (" + std::to_string(c.min_compaction_lag_ms) +
               ") > max.compaction.lag.ms (" + std::to_string(c.max_compaction_lag_ms) + ")";
    return Errc::invalid_config;
  }
  *out = std::move(c);
  return Errc::ok;
}

std::vector<ConfigEntry> LogConfig::describe(const std::map<std::string, std::string>& overrides) const {
  std::vector<ConfigEntry> out;
  out.reserve(keys().size());
  for (auto& k : keys()) {
    ConfigEntry e;
    e.name = k.name;
    e.type = k.type;
    e.is_default = overrides.find(k.name) == overrides.end();
    e.value = k.render(*this);
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<protocol::Compression> LogConfig::stored_codec() const {
  using protocol::Compression;
  if (compression_type == "uncompressed") return Compression::none;
  if (compression_type == "gzip") return Compression::gzip;
  if (compression_type == "snappy") return Compression::snappy;
  if (compression_type == "lz4") return Compression::lz4;
  if (compression_type == "zstd") return Compression::zstd;
  return std::nullopt;  // producer
}

}  // namespace fjord::storage
