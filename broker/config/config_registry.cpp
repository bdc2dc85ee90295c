#include "broker/config/config_registry.h"

#include <map>

#include "broker/config/server_config.h"
#include "storage/log/log_config.h"

namespace fjord::broker {
namespace {

// One line per Kafka 3.9 topic config; types, defaults and validation come
// from storage::LogConfig, which binds each name to what the log does.
const std::map<std::string, std::string, std::less<>>& topic_docs() {
  static const std::map<std::string, std::string, std::less<>> docs = {
      {"cleanup.policy", "delete (retention), compact (latest record per key), or both"},
      {"compression.gzip.level", "Accepted; gzip's default level is used"},
      {"compression.lz4.level", "Accepted; lz4's default level is used"},
      {"compression.type", "producer keeps the producer's codec; a codec name recompresses every batch to it"},
      {"compression.zstd.level", "Accepted; zstd's default level is used"},
      {"delete.retention.ms", "How long compaction keeps tombstones"},
      {"file.delete.delay.ms", "Delay before a deleted segment's files are removed"},
      {"flush.messages", "Messages between fsyncs; with flush.ms unset too, acks=all waits for fsync"},
      {"flush.ms", "Milliseconds between fsyncs"},
      {"follower.replication.throttled.replicas", "Accepted; there are no followers on one node"},
      {"index.interval.bytes", "Bytes between offset index entries"},
      {"leader.replication.throttled.replicas", "Accepted; there are no followers on one node"},
      {"local.retention.bytes", "Accepted; no tiered storage"},
      {"local.retention.ms", "Accepted; no tiered storage"},
      {"max.compaction.lag.ms", "Maximum age of an uncompacted record"},
      {"max.message.bytes", "Largest record batch accepted (MESSAGE_TOO_LARGE above it)"},
      {"message.downconversion.enable", "Accepted; fjord never down-converts"},
      {"message.format.version", "Accepted; ignored as from 3.0"},
      {"message.timestamp.after.max.ms", "How far in the future a CreateTime may be (INVALID_TIMESTAMP beyond)"},
      {"message.timestamp.before.max.ms", "How far in the past a CreateTime may be (INVALID_TIMESTAMP beyond)"},
      {"message.timestamp.difference.max.ms", "Deprecated: sets both timestamp bounds"},
      {"message.timestamp.type", "CreateTime keeps the producer's timestamps; LogAppendTime stamps the broker's"},
      {"min.cleanable.dirty.ratio", "Dirty share of the log that starts a compaction"},
      {"min.compaction.lag.ms", "Minimum age of a record before compaction may remove it"},
      {"min.insync.replicas", "acks=all needs this many in-sync replicas; above 1, NOT_ENOUGH_REPLICAS on one node"},
      {"preallocate", "Accepted; segments grow as written"},
      {"remote.log.copy.disable", "Accepted; no tiered storage"},
      {"remote.log.delete.on.disable", "Accepted; no tiered storage"},
      {"remote.storage.enable", "Tiered storage: only false is accepted"},
      {"retention.bytes", "Partition size above which old segments are deleted; -1 for no limit"},
      {"retention.ms", "Age after which segments are deleted; -1 keeps them"},
      {"segment.bytes", "Size at which a new segment file starts (applies from the next roll)"},
      {"segment.index.bytes", "Maximum size of a segment's offset index"},
      {"segment.jitter.ms", "Random jitter subtracted from segment.ms"},
      {"segment.ms", "Age at which a new segment file starts"},
      {"unclean.leader.election.enable", "Accepted; one replica is always the clean leader"},
  };
  return docs;
}

std::vector<TopicKey> build_topic_keys() {
  std::vector<TopicKey> out;
  const storage::LogConfig defaults;
  for (const auto& name : storage::LogConfig::names()) {
    TopicKey k;
    k.name = name;
    k.type = type_from_name(storage::LogConfig::type_of(name));
    k.default_value = defaults.value_of(name).value_or("");
    auto doc = topic_docs().find(name);
    k.doc = doc == topic_docs().end() ? "" : doc->second;
    for (const auto& b : broker_keys())
      if (b.topic_config == name) k.broker_synonyms.push_back(b.name);
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace

const BrokerKey* find_broker_key(std::string_view name) {
  static const std::map<std::string, const BrokerKey*, std::less<>> index = [] {
    std::map<std::string, const BrokerKey*, std::less<>> m;
    for (const auto& k : broker_keys()) m[k.name] = &k;
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

const std::vector<TopicKey>& topic_keys() {
  static const std::vector<TopicKey> keys = build_topic_keys();
  return keys;
}

const TopicKey* find_topic_key(std::string_view name) {
  for (const auto& k : topic_keys())
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<std::string> broker_synonyms(std::string_view name) {
  // Kafka groups only the time keys given in several units, and the two
  // flush.ms defaults; every other key stands alone.
  static const std::vector<std::vector<std::string>> groups = {
      {"log.roll.ms", "log.roll.hours"},
      {"log.roll.jitter.ms", "log.roll.jitter.hours"},
      {"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
      {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"},
  };
  for (const auto& g : groups)
    for (const auto& n : g)
      if (n == name) return g;
  return {std::string(name)};
}

std::string to_topic_value(const BrokerKey& key, const std::string& value) {
  if (key.unit_ms == 1 && key.topic_config != "retention.ms") return value;
  int64_t x = 0;
  try {
    x = std::stoll(value);
  } catch (...) {
    return value;  // check_broker_value reports it
  }
  if (key.topic_config == "retention.ms" && x < 0) return "-1";
  return std::to_string(x * key.unit_ms);
}

std::string check_broker_value(const BrokerKey& key, const std::string& value) {
  std::string why;
  if (key.validate) {
    why = key.validate(value);
  } else if (!key.topic_config.empty()) {
    if (key.unit_ms != 1 || key.topic_config == "retention.ms") {
      // Its own type first (hours are an INT), then the topic config's range.
      size_t used = 0;
      bool ok = false;
      try {
        long long x = std::stoll(value, &used);
        ok = used == value.size() && (key.type != ConfigType::int32 || (x >= INT32_MIN && x <= INT32_MAX));
      } catch (...) {
      }
      if (!ok) why = std::string("Not a number of type ") + std::string(type_name(key.type));
    }
    if (why.empty()) why = storage::LogConfig::check_value(key.topic_config, to_topic_value(key, value));
  }
  if (why.empty()) return "";
  return "Invalid value " + value + " for configuration " + key.name + ": " + why;
}

std::string_view type_name(ConfigType type) {
  switch (type) {
    case ConfigType::boolean: return "BOOLEAN";
    case ConfigType::string: return "STRING";
    case ConfigType::int32: return "INT";
    case ConfigType::int16: return "SHORT";
    case ConfigType::int64: return "LONG";
    case ConfigType::float64: return "DOUBLE";
    case ConfigType::list: return "LIST";
    case ConfigType::class_name: return "CLASS";
    case ConfigType::password: return "PASSWORD";
    case ConfigType::unknown: break;
  }
  return "UNKNOWN";
}

ConfigType type_from_name(std::string_view name) {
  for (auto t : {ConfigType::boolean, ConfigType::string, ConfigType::int32, ConfigType::int16, ConfigType::int64,
                 ConfigType::float64, ConfigType::list, ConfigType::class_name, ConfigType::password})
    if (type_name(t) == name) return t;
  return ConfigType::unknown;
}

}  // namespace fjord::broker
