#include "storage/log/log_config.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <sstream>

namespace fjord::storage {

namespace {

bool parse_long(const std::string& s, int64_t* out) {
  auto b = s.data(), e = s.data() + s.size();
  while (b < e && *b == ' ') ++b;
  while (e > b && e[-1] == ' ') --e;
  auto [p, ec] = std::from_chars(b, e, *out);
  return ec == std::errc() && p == e && b != e;
}

bool parse_bool(const std::string& s, bool* out) {
  if (s == "true" || s == "TRUE" || s == "True") { *out = true; return true; }
  if (s == "false" || s == "FALSE" || s == "False") { *out = false; return true; }
  return false;
}

struct Key {
  const char* name;
  const char* type;
  // Applies `value` to `c`; returns an error text or "" on success.
  std::function<std::string(LogConfig& c, const std::string& value)> apply;
  std::function<std::optional<std::string>(const LogConfig& c)> render;
};

std::function<std::string(LogConfig&, const std::string&)> long_at_least(int64_t LogConfig::*field, int64_t min) {
  return [field, min](LogConfig& c, const std::string& v) -> std::string {
    int64_t x;
    if (!parse_long(v, &x)) return "not a valid long";
    if (x < min) return "value must be at least " + std::to_string(min);
    c.*field = x;
    return "";
  };
}

std::function<std::string(LogConfig&, const std::string&)> int_at_least(int32_t LogConfig::*field, int64_t min) {
  return [field, min](LogConfig& c, const std::string& v) -> std::string {
    int64_t x;
    if (!parse_long(v, &x) || x > INT32_MAX || x < INT32_MIN) return "not a valid int";
    if (x < min) return "value must be at least " + std::to_string(min);
    c.*field = int32_t(x);
    return "";
  };
}

std::function<std::string(LogConfig&, const std::string&)> boolean(bool LogConfig::*field) {
  return [field](LogConfig& c, const std::string& v) -> std::string {
    bool b;
    if (!parse_bool(v, &b)) return "expected true or false";
    c.*field = b;
    return "";
  };
}

template <typename T>
std::function<std::optional<std::string>(const LogConfig&)> show(T LogConfig::*field) {
  return [field](const LogConfig& c) -> std::optional<std::string> {
    if constexpr (std::is_same_v<T, bool>) return std::string(c.*field ? "true" : "false");
    else return std::to_string(c.*field);
  };
}

std::function<std::string(LogConfig&, const std::string&)> ignore_long(int64_t min) {
  return [min](LogConfig&, const std::string& v) -> std::string {
    int64_t x;
    if (!parse_long(v, &x)) return "not a valid long";
    if (x < min) return "value must be at least " + std::to_string(min);
    return "";
  };
}

const std::vector<Key>& keys() {
  static const std::vector<Key> k = {
      {"cleanup.policy", "LIST",
       [](LogConfig& c, const std::string& v) -> std::string {
         bool compact = false, del = false;
         std::stringstream ss(v);
         std::string item;
         while (std::getline(ss, item, ',')) {
           while (!item.empty() && item.front() == ' ') item.erase(item.begin());
           while (!item.empty() && item.back() == ' ') item.pop_back();
           if (item == "compact") compact = true;
           else if (item == "delete") del = true;
           else return "invalid value '" + item + "', must be compact and/or delete";
         }
         if (!compact && !del) return "must contain compact and/or delete";
         c.cleanup_compact = compact;
         c.cleanup_delete = del;
         return "";
       },
       [](const LogConfig& c) -> std::optional<std::string> {
         if (c.cleanup_compact && c.cleanup_delete) return "compact,delete";
         return std::string(c.cleanup_compact ? "compact" : "delete");
       }},
      {"compression.type", "STRING",
       [](LogConfig& c, const std::string& v) -> std::string {
         for (const char* ok : {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"})
           if (v == ok) { c.compression_type = v; return ""; }
         return "must be one of uncompressed, zstd, lz4, snappy, gzip, producer";
       },
       [](const LogConfig& c) -> std::optional<std::string> { return c.compression_type; }},
      {"delete.retention.ms", "LONG", long_at_least(&LogConfig::delete_retention_ms, 0),
       show(&LogConfig::delete_retention_ms)},
      {"file.delete.delay.ms", "LONG", long_at_least(&LogConfig::file_delete_delay_ms, 0),
       show(&LogConfig::file_delete_delay_ms)},
      {"flush.messages", "LONG",
       [](LogConfig& c, const std::string& v) -> std::string {
         int64_t x;
         if (!parse_long(v, &x)) return "not a valid long";
         if (x < 1) return "value must be at least 1";
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
         if (!parse_long(v, &x)) return "not a valid long";
         if (x < 0) return "value must be at least 0";
         c.flush_ms = x == INT64_MAX ? std::nullopt : std::optional<int64_t>(x);
         return "";
       },
       [](const LogConfig& c) -> std::optional<std::string> { return std::to_string(c.flush_ms.value_or(INT64_MAX)); }},
      {"follower.replication.throttled.replicas", "LIST", [](LogConfig&, const std::string&) { return std::string(); },
       [](const LogConfig&) -> std::optional<std::string> { return std::string(); }},
      {"index.interval.bytes", "INT", int_at_least(&LogConfig::index_interval_bytes, 0),
       show(&LogConfig::index_interval_bytes)},
      {"leader.replication.throttled.replicas", "LIST", [](LogConfig&, const std::string&) { return std::string(); },
       [](const LogConfig&) -> std::optional<std::string> { return std::string(); }},
      {"local.retention.bytes", "LONG", ignore_long(-2),
       [](const LogConfig&) -> std::optional<std::string> { return std::string("-2"); }},
      {"local.retention.ms", "LONG", ignore_long(-2),
       [](const LogConfig&) -> std::optional<std::string> { return std::string("-2"); }},
      {"max.compaction.lag.ms", "LONG", long_at_least(&LogConfig::max_compaction_lag_ms, 1),
       show(&LogConfig::max_compaction_lag_ms)},
      {"max.message.bytes", "INT", int_at_least(&LogConfig::max_message_bytes, 0),
       show(&LogConfig::max_message_bytes)},
      {"message.downconversion.enable", "BOOLEAN",
       [](LogConfig&, const std::string& v) -> std::string {
         bool b;
         return parse_bool(v, &b) ? "" : "expected true or false";
       },
       [](const LogConfig&) -> std::optional<std::string> { return std::string("true"); }},
      {"message.format.version", "STRING", [](LogConfig&, const std::string&) { return std::string(); },
       [](const LogConfig&) -> std::optional<std::string> { return std::string("3.0-IV1"); }},
      {"message.timestamp.after.max.ms", "LONG", long_at_least(&LogConfig::message_timestamp_after_max_ms, 0),
       show(&LogConfig::message_timestamp_after_max_ms)},
      {"message.timestamp.before.max.ms", "LONG", long_at_least(&LogConfig::message_timestamp_before_max_ms, 0),
       show(&LogConfig::message_timestamp_before_max_ms)},
      {"message.timestamp.difference.max.ms", "LONG",
       [](LogConfig& c, const std::string& v) -> std::string {
         int64_t x;
         if (!parse_long(v, &x)) return "not a valid long";
         if (x < 0) return "value must be at least 0";
         // Deprecated alias that bounds both directions (KIP-937).
         c.message_timestamp_before_max_ms = x;
         c.message_timestamp_after_max_ms = x;
         return "";
       },
       show(&LogConfig::message_timestamp_before_max_ms)},
      {"message.timestamp.type", "STRING",
       [](LogConfig& c, const std::string& v) -> std::string {
         if (v == "CreateTime") c.log_append_time = false;
         else if (v == "LogAppendTime") c.log_append_time = true;
         else return "must be CreateTime or LogAppendTime";
         return "";
       },
       [](const LogConfig& c) -> std::optional<std::string> {
         return std::string(c.log_append_time ? "LogAppendTime" : "CreateTime");
       }},
      {"min.cleanable.dirty.ratio", "DOUBLE",
       [](LogConfig& c, const std::string& v) -> std::string {
         char* end = nullptr;
         errno = 0;
         double d = std::strtod(v.c_str(), &end);
         if (v.empty() || *end != '\0' || errno != 0) return "not a valid double";
         if (!(d >= 0.0 && d <= 1.0)) return "value must be between 0 and 1";
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
      {"min.insync.replicas", "INT", int_at_least(&LogConfig::min_insync_replicas, 1),
       show(&LogConfig::min_insync_replicas)},
      {"preallocate", "BOOLEAN", boolean(&LogConfig::preallocate), show(&LogConfig::preallocate)},
      {"remote.storage.enable", "BOOLEAN",
       [](LogConfig&, const std::string& v) -> std::string {
         bool b;
         if (!parse_bool(v, &b)) return "expected true or false";
         return b ? "tiered storage is not supported" : "";
       },
       [](const LogConfig&) -> std::optional<std::string> { return std::string("false"); }},
      {"retention.bytes", "LONG", long_at_least(&LogConfig::retention_bytes, -1), show(&LogConfig::retention_bytes)},
      {"retention.ms", "LONG", long_at_least(&LogConfig::retention_ms, -1), show(&LogConfig::retention_ms)},
      {"segment.bytes", "INT",
       [](LogConfig& c, const std::string& v) -> std::string {
         int64_t x;
         if (!parse_long(v, &x) || x > INT32_MAX) return "not a valid int";
         if (x < 14) return "value must be at least 14";
         c.segment_bytes = x;
         return "";
       },
       show(&LogConfig::segment_bytes)},
      {"segment.index.bytes", "INT", int_at_least(&LogConfig::segment_index_bytes, 4),
       show(&LogConfig::segment_index_bytes)},
      {"segment.jitter.ms", "LONG", long_at_least(&LogConfig::segment_jitter_ms, 0),
       show(&LogConfig::segment_jitter_ms)},
      {"segment.ms", "LONG", long_at_least(&LogConfig::segment_ms, 1), show(&LogConfig::segment_ms)},
      {"unclean.leader.election.enable", "BOOLEAN", boolean(&LogConfig::unclean_leader_election_enable),
       show(&LogConfig::unclean_leader_election_enable)},
  };
  return k;
}

}  // namespace

bool LogConfig::is_known(const std::string& name) {
  for (auto& k : keys())
    if (name == k.name) return true;
  return false;
}

Errc LogConfig::parse(const LogConfig& base, const std::map<std::string, std::string>& overrides, LogConfig* out,
                      std::string* error) {
  LogConfig c = base;
  for (auto& [name, value] : overrides) {
    const Key* key = nullptr;
    for (auto& k : keys())
      if (name == k.name) key = &k;
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
    auto it = overrides.find(k.name);
    e.is_default = it == overrides.end();
    // Ignored-but-accepted keys echo the override so round trips look right.
    e.value = k.render(*this);
    if (!e.is_default && (std::string(k.type) == "LIST" || std::string(k.type) == "STRING") &&
        std::string(k.name) != "cleanup.policy" && std::string(k.name) != "compression.type" &&
        std::string(k.name) != "message.timestamp.type")
      e.value = it->second;
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
