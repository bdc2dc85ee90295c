// The broker keys of the configuration registry (config_registry.h), in
// Kafka's names, with fjord's defaults and what each one sets.
#include <charconv>
#include <limits>
#include <sstream>

#include "broker/config/config_registry.h"
#include "broker/config/server_config.h"

namespace fjord::broker {
namespace {

using Type = ConfigType;
constexpr auto kDynamic = ConfigMode::cluster_wide;
const std::string kLongMax = std::to_string(std::numeric_limits<int64_t>::max());

template <typename T>
bool parse_number(const std::string& text, T* out) {
  std::string s = text;
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  const char* b = s.data();
  if (!s.empty() && s[0] == '+' && s.size() > 1 && s[1] != '-') ++b;
  auto [p, ec] = std::from_chars(b, s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && b != s.data() + s.size();
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, ',')) {
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

// ConfigDef.Range, for the type's width.
template <typename T>
std::function<std::string(const std::string&)> number(T min, T max = std::numeric_limits<T>::max()) {
  return [min, max](const std::string& v) -> std::string {
    T x{};
    if (!parse_number(v, &x))
      return sizeof(T) == 8 ? "Not a number of type LONG" : sizeof(T) == 2 ? "Not a number of type SHORT"
                                                                            : "Not a number of type INT";
    if (x < min) return "Value must be at least " + std::to_string(min);
    if (x > max) return "Value must be no more than " + std::to_string(max);
    return "";
  };
}
auto int_at_least(int32_t min, int32_t max = INT32_MAX) { return number<int32_t>(min, max); }
auto long_at_least(int64_t min) { return number<int64_t>(min); }

std::string check_bool(const std::string& v) {
  return v == "true" || v == "false" || v == "TRUE" || v == "FALSE" || v == "True" || v == "False"
             ? ""
             : "Expected value to be either true or false";
}
std::string any_text(const std::string&) { return ""; }

bool as_bool(const std::string& v) { return v == "true" || v == "TRUE" || v == "True"; }
template <typename T>
T as_number(const std::string& v) {
  T x{};
  parse_number(v, &x);
  return x;
}

// Setters and renderers for a ServerConfig member.
template <typename T>
std::function<void(const std::string&, ServerConfig&)> sets(T ServerConfig::*field) {
  return [field](const std::string& v, ServerConfig& c) {
    if constexpr (std::is_same_v<T, bool>) c.*field = as_bool(v);
    else if constexpr (std::is_same_v<T, std::string>) c.*field = v;
    else c.*field = as_number<T>(v);
  };
}
template <typename T>
std::function<std::optional<std::string>(const ServerConfig&)> shows(T ServerConfig::*field) {
  return [field](const ServerConfig& c) -> std::optional<std::string> {
    if constexpr (std::is_same_v<T, bool>) return std::string(c.*field ? "true" : "false");
    else if constexpr (std::is_same_v<T, std::string>) return c.*field;
    else return std::to_string(c.*field);
  };
}
// A time synonym in a bigger unit, stored in milliseconds (retention: a
// negative value means unlimited, -1).
std::function<void(const std::string&, ServerConfig&)> sets_ms(int64_t ServerConfig::*field, int64_t unit,
                                                               bool negative_unlimited) {
  return [=](const std::string& v, ServerConfig& c) {
    int64_t x = as_number<int64_t>(v);
    c.*field = negative_unlimited && x < 0 ? -1 : x * unit;
  };
}

std::string check_listeners(const std::string& v) {
  auto items = split_list(v);
  if (items.empty()) return "Expected a list of NAME://host:port listeners";
  for (auto& i : items)
    if (!parse_listener(i)) return "Listener '" + i + "' is not NAME://host:port";
  return "";
}
void set_listeners(std::vector<Listener> ServerConfig::*field, const std::string& v, ServerConfig& c) {
  std::vector<Listener> ls;
  for (auto& i : split_list(v)) ls.push_back(*parse_listener(i));
  c.*field = std::move(ls);
}

std::string check_protocol_map(const std::string& v) {
  for (auto& item : split_list(v)) {
    auto colon = item.find(':');
    if (colon == std::string::npos || colon == 0) return "Expected NAME:PROTOCOL pairs";
    std::string p = item.substr(colon + 1);
    if (p != "PLAINTEXT" && p != "SSL" && p != "SASL_PLAINTEXT" && p != "SASL_SSL")
      return "No enum constant org.apache.kafka.common.security.auth.SecurityProtocol." + p;
  }
  return "";
}

std::string check_dirs(const std::string& v) { return split_list(v).empty() ? "Expected at least one directory" : ""; }

std::string check_log_level(const std::string& v) {
  static const char* names[] = {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"};
  for (auto& item : split_list(v)) {
    std::string level = item;
    if (auto eq = item.find('='); eq != std::string::npos) level = item.substr(eq + 1);
    bool ok = false;
    for (auto n : names) ok = ok || level == n;
    if (!ok) return "Expected spdlog levels such as info or info,net=debug";
  }
  return "";
}

BrokerKey topic_default(std::string name, Type type, std::optional<std::string> def, std::string doc,
                        std::string topic, ConfigMode mode = kDynamic, bool acted_on = true) {
  BrokerKey k;
  k.name = std::move(name);
  k.type = type;
  k.default_value = std::move(def);
  k.doc = std::move(doc);
  k.mode = mode;
  k.acted_on = acted_on;
  k.topic_config = std::move(topic);
  return k;
}
template <typename T>
BrokerKey with_field(BrokerKey k, T ServerConfig::*field) {
  k.apply = sets(field);
  k.render = shows(field);
  return k;
}
BrokerKey plain(std::string name, Type type, std::optional<std::string> def, std::string doc,
                std::function<std::string(const std::string&)> validate, bool acted_on = true) {
  BrokerKey k;
  k.name = std::move(name);
  k.type = type;
  k.default_value = std::move(def);
  k.doc = std::move(doc);
  k.acted_on = acted_on;
  k.validate = std::move(validate);
  return k;
}
BrokerKey ignored(std::string name, Type type, std::optional<std::string> def,
                  std::function<std::string(const std::string&)> validate = any_text) {
  return plain(std::move(name), type, std::move(def), "Accepted for compatibility; no effect on a single node",
               std::move(validate), false);
}

std::vector<BrokerKey> build() {
  std::vector<BrokerKey> t;
  // Listeners and identity.
  {
    auto k = plain("listeners", Type::string, "PLAINTEXT://127.0.0.1:9092",
                   "`NAME://host:port,...`, every one served. Port 0 picks a free port; the broker logs `listening on host:port (NAME)`. Names other than `PLAINTEXT` need `listener.security.protocol.map` (only `PLAINTEXT` is supported so far: an SSL or SASL listener fails start-up); listeners named in `controller.listener.names` are not served", check_listeners);
    k.apply = [](const std::string& v, ServerConfig& c) { set_listeners(&ServerConfig::listeners, v, c); };
    t.push_back(k);
    k = plain("advertised.listeners", Type::string, std::nullopt,
              "Per listener name, the address its clients are told to dial (a listener not named here advertises itself)", check_listeners);
    k.apply = [](const std::string& v, ServerConfig& c) { set_listeners(&ServerConfig::advertised_listeners, v, c); };
    t.push_back(k);
  }
  t.push_back(plain("listener.security.protocol.map", Type::string,
                    "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                    "Listener name to security protocol; only PLAINTEXT is served so far", check_protocol_map));
  t.push_back(plain("controller.listener.names", Type::string, std::nullopt,
                    "Listeners reserved for KRaft controllers; not served to clients", any_text));
  t.push_back(plain("node.id", Type::int32, "0", "This broker's id in Metadata", int_at_least(0)));
  t.push_back(plain("broker.id", Type::int32, "0", "The older name of node.id; both must agree", int_at_least(0)));
  t.push_back(plain("log.dirs", Type::string, std::nullopt, "Where partition data lives (beats `log.dir`)",
                    check_dirs));
  t.push_back(plain("log.dir", Type::string, "/tmp/fjord-logs", "Where partition data lives", check_dirs));
  // Topics.
  t.push_back(with_field(plain("num.partitions", Type::int32, "1", "Partition count of auto-created topics",
                               int_at_least(1)), &ServerConfig::num_partitions));
  t.push_back(with_field(plain("default.replication.factor", Type::int32, "1",
                               "Replication factor of topics created without one (only 1 on one node)",
                               number<int16_t>(1)), &ServerConfig::default_replication_factor));
  t.push_back(with_field(plain("auto.create.topics.enable", Type::boolean, "true",
                               "Create unknown topics on Metadata and Produce requests", check_bool),
                         &ServerConfig::auto_create_topics_enable));
  t.push_back(with_field(plain("delete.topic.enable", Type::boolean, "true", "Allow DeleteTopics", check_bool),
                         &ServerConfig::delete_topic_enable));
  // Topic defaults, each group in Kafka's synonym order.
  t.push_back(with_field(topic_default("log.segment.bytes", Type::int32, "1073741824",
                                       "Size at which a new segment file starts", "segment.bytes"),
                         &ServerConfig::log_segment_bytes));
  t.push_back(with_field(topic_default("log.roll.ms", Type::int64, std::nullopt,
                                       "Age at which a new segment file starts (beats log.roll.hours)", "segment.ms"),
                         &ServerConfig::log_roll_ms));
  {
    auto k = topic_default("log.roll.hours", Type::int32, "168", "log.roll.ms in hours", "segment.ms",
                           ConfigMode::read_only);
    k.unit_ms = 3600000;
    k.apply = sets_ms(&ServerConfig::log_roll_ms, 3600000, false);
    t.push_back(k);
  }
  t.push_back(topic_default("log.roll.jitter.ms", Type::int64, std::nullopt,
                            "Random jitter subtracted from the roll age", "segment.jitter.ms"));
  {
    auto k = topic_default("log.roll.jitter.hours", Type::int32, "0", "log.roll.jitter.ms in hours",
                           "segment.jitter.ms", ConfigMode::read_only);
    k.unit_ms = 3600000;
    t.push_back(k);
  }
  t.push_back(with_field(topic_default("log.index.size.max.bytes", Type::int32, "10485760",
                                       "Maximum size of a segment's offset index", "segment.index.bytes"),
                         &ServerConfig::log_index_size_max_bytes));
  t.push_back(with_field(topic_default("log.index.interval.bytes", Type::int32, "4096",
                                       "Bytes between offset index entries", "index.interval.bytes"),
                         &ServerConfig::log_index_interval_bytes));
  {
    auto k = topic_default("log.flush.interval.messages", Type::int64, kLongMax,
                           "Messages between fsyncs. When this and `log.flush.interval.ms` are both unset (the default), data is fsynced before an `acks=all` produce is answered; set either one to get Kafka's page-cache behaviour",
                           "flush.messages");
    k.apply = [](const std::string& v, ServerConfig& c) { c.log_flush_interval_messages = as_number<int64_t>(v); };
    k.render = [](const ServerConfig& c) -> std::optional<std::string> {
      if (!c.log_flush_interval_messages) return std::nullopt;
      return std::to_string(*c.log_flush_interval_messages);
    };
    t.push_back(k);
    k = topic_default("log.flush.interval.ms", Type::int64, std::nullopt, "Milliseconds between fsyncs",
                      "flush.ms");
    k.apply = [](const std::string& v, ServerConfig& c) { c.log_flush_interval_ms = as_number<int64_t>(v); };
    k.render = [](const ServerConfig& c) -> std::optional<std::string> {
      if (!c.log_flush_interval_ms) return std::nullopt;
      return std::to_string(*c.log_flush_interval_ms);
    };
    t.push_back(k);
    k = topic_default("log.flush.scheduler.interval.ms", Type::int64, kLongMax,
                      "How often flush.ms is checked; also flush.ms's default when log.flush.interval.ms is unset",
                      "flush.ms", ConfigMode::read_only);
    k.apply = sets(&ServerConfig::log_flush_scheduler_interval_ms);
    // Only a value given counts as flush.ms's default (its default means "never").
    t.push_back(k);
  }
  {
    auto k = topic_default("log.retention.ms", Type::int64, std::nullopt,
                           "Age after which segments are deleted; -1 keeps them (beats .minutes and .hours)",
                           "retention.ms");
    k.apply = sets_ms(&ServerConfig::log_retention_ms, 1, true);
    k.render = shows(&ServerConfig::log_retention_ms);
    t.push_back(k);
    k = topic_default("log.retention.minutes", Type::int32, std::nullopt, "log.retention.ms in minutes",
                      "retention.ms", ConfigMode::read_only);
    k.unit_ms = 60000;
    k.apply = sets_ms(&ServerConfig::log_retention_ms, 60000, true);
    t.push_back(k);
    k = topic_default("log.retention.hours", Type::int32, "168", "log.retention.ms in hours", "retention.ms",
                      ConfigMode::read_only);
    k.unit_ms = 3600000;
    k.apply = sets_ms(&ServerConfig::log_retention_ms, 3600000, true);
    t.push_back(k);
  }
  t.push_back(with_field(topic_default("log.retention.bytes", Type::int64, "-1",
                                       "Partition size above which old segments are deleted; -1 for no limit",
                                       "retention.bytes"),
                         &ServerConfig::log_retention_bytes));
  t.push_back(with_field(topic_default("log.cleanup.policy", Type::list, "delete",
                                       "delete (retention), compact (latest record per key), or both",
                                       "cleanup.policy"),
                         &ServerConfig::log_cleanup_policy));
  t.push_back(topic_default("log.cleaner.delete.retention.ms", Type::int64, "86400000",
                            "How long compaction keeps tombstones", "delete.retention.ms"));
  t.push_back(topic_default("log.cleaner.min.compaction.lag.ms", Type::int64, "0",
                            "Minimum age of a record before compaction may remove it", "min.compaction.lag.ms"));
  t.push_back(topic_default("log.cleaner.max.compaction.lag.ms", Type::int64, kLongMax,
                            "Maximum age of an uncompacted record", "max.compaction.lag.ms"));
  t.push_back(topic_default("log.cleaner.min.cleanable.ratio", Type::float64, "0.5",
                            "Dirty share of the log that starts a compaction", "min.cleanable.dirty.ratio"));
  t.push_back(with_field(topic_default("log.segment.delete.delay.ms", Type::int64, "60000",
                                       "Delay before a deleted segment's files are removed", "file.delete.delay.ms"),
                         &ServerConfig::log_segment_delete_delay_ms));
  t.push_back(with_field(topic_default("log.message.timestamp.type", Type::string, "CreateTime",
                                       "CreateTime or LogAppendTime", "message.timestamp.type"),
                         &ServerConfig::log_message_timestamp_type));
  t.push_back(topic_default("log.message.timestamp.difference.max.ms", Type::int64, kLongMax,
                            "Deprecated: bounds both timestamp directions", "message.timestamp.difference.max.ms"));
  t.push_back(topic_default("log.message.timestamp.before.max.ms", Type::int64, kLongMax,
                            "How far in the past a CreateTime may be", "message.timestamp.before.max.ms"));
  t.push_back(topic_default("log.message.timestamp.after.max.ms", Type::int64, kLongMax,
                            "How far in the future a CreateTime may be", "message.timestamp.after.max.ms"));
  t.push_back(topic_default("log.message.downconversion.enable", Type::boolean, "true",
                            "Accepted; fjord never down-converts", "message.downconversion.enable", kDynamic, false));
  t.push_back(topic_default("log.message.format.version", Type::string, "3.0-IV1", "Accepted; ignored as from 3.0",
                            "message.format.version", ConfigMode::read_only, false));
  t.push_back(with_field(topic_default("log.preallocate", Type::boolean, "false", "Accepted; segments grow as written",
                                       "preallocate", kDynamic, false),
                         &ServerConfig::log_preallocate));
  t.push_back(topic_default("log.local.retention.ms", Type::int64, "-2", "Accepted; no tiered storage",
                            "local.retention.ms", kDynamic, false));
  t.push_back(topic_default("log.local.retention.bytes", Type::int64, "-2", "Accepted; no tiered storage",
                            "local.retention.bytes", kDynamic, false));
  t.push_back(with_field(topic_default("compression.type", Type::string, "producer",
                                       "`producer` keeps the producer's codec; `uncompressed`, `gzip`, `snappy`, `lz4` or `zstd` stores every batch in that codec, recompressing what producers send in another",
                                       "compression.type"),
                         &ServerConfig::compression_type));
  t.push_back(topic_default("compression.gzip.level", Type::int32, "-1", "Accepted; gzip's default level is used",
                            "compression.gzip.level", kDynamic, false));
  t.push_back(topic_default("compression.lz4.level", Type::int32, "9", "Accepted; lz4's default level is used",
                            "compression.lz4.level", kDynamic, false));
  t.push_back(topic_default("compression.zstd.level", Type::int32, "3", "Accepted; zstd's default level is used",
                            "compression.zstd.level", kDynamic, false));
  t.push_back(with_field(topic_default("message.max.bytes", Type::int32, "1048588",
                                       "Largest record batch accepted (MESSAGE_TOO_LARGE above it)", "max.message.bytes"),
                         &ServerConfig::message_max_bytes));
  t.push_back(topic_default("min.insync.replicas", Type::int32, "1",
                            "acks=all needs this many in-sync replicas; above 1, NOT_ENOUGH_REPLICAS on one node",
                            "min.insync.replicas"));
  t.push_back(topic_default("unclean.leader.election.enable", Type::boolean, "false",
                            "Accepted; one replica is always the clean leader", "unclean.leader.election.enable",
                            kDynamic, false));
  // Background work.
  t.push_back(with_field(plain("log.retention.check.interval.ms", Type::int64, "300000",
                               "How often retention and segment.ms rolls are checked", long_at_least(1)),
                         &ServerConfig::log_retention_check_interval_ms));
  t.push_back(with_field(plain("log.cleaner.enable", Type::boolean, "true", "Run compaction for compacted topics",
                               check_bool), &ServerConfig::log_cleaner_enable));
  t.push_back(with_field(plain("log.cleaner.backoff.ms", Type::int64, "15000", "Pause between compaction passes",
                               long_at_least(0)), &ServerConfig::log_cleaner_backoff_ms));
  t.push_back(with_field(plain("log.cleaner.dedupe.buffer.size", Type::int64, "134217728",
                               "Memory for compaction's key map", long_at_least(0)),
                         &ServerConfig::log_cleaner_dedupe_buffer_size));
  // Network and threads.
  t.push_back(with_field(plain("socket.request.max.bytes", Type::int32, "104857600",
                               "Largest request; a larger one closes the connection", int_at_least(1)),
                         &ServerConfig::socket_request_max_bytes));
  t.push_back(with_field(plain("num.network.threads", Type::int32, std::nullopt,
                               "Network threads, which also run the request handlers (default: max(4, cores))",
                               int_at_least(1, 256)), &ServerConfig::num_network_threads));
  t.push_back(with_field(plain("num.io.threads", Type::int32, "8", "Threads that read the log data a fetch needs from the disk, so network threads never wait for it",
                               int_at_least(1, 256)), &ServerConfig::num_io_threads));
  t.push_back(with_field(plain("connections.max.idle.ms", Type::int64, "600000", "Idle connections close after this",
                               long_at_least(1)), &ServerConfig::connections_max_idle_ms));
  // Transaction coordinator.
  t.push_back(with_field(plain("transaction.state.log.num.partitions", Type::int32, "50",
                               "Partitions of `__transaction_state`, created at start-up when missing (compacted); a transactional id lives in partition `abs(hash(id)) % partitions` as in Kafka", int_at_least(1)),
                         &ServerConfig::transaction_state_log_num_partitions));
  t.push_back(with_field(plain("transaction.state.log.segment.bytes", Type::int32, "104857600",
                               "`segment.bytes` of `__transaction_state`", int_at_least(1)),
                         &ServerConfig::transaction_state_log_segment_bytes));
  t.push_back(with_field(plain("transaction.abort.timed.out.transaction.cleanup.interval.ms", Type::int32, "10000",
                               "How often transactions open longer than their timeout are looked for and aborted", int_at_least(1)),
                         &ServerConfig::transaction_abort_timed_out_transaction_cleanup_interval_ms));
  t.push_back(with_field(plain("transactional.id.expiration.ms", Type::int32, "604800000",
                               "A transactional id without a transaction is forgotten this long after its last update", int_at_least(1)),
                         &ServerConfig::transactional_id_expiration_ms));
  t.push_back(with_field(plain("transaction.remove.expired.transaction.cleanup.interval.ms", Type::int32, "3600000",
                               "How often expired transactional ids are looked for", int_at_least(1)),
                         &ServerConfig::transaction_remove_expired_transaction_cleanup_interval_ms));
  // Group coordinator.
  t.push_back(with_field(plain("group.initial.rebalance.delay.ms", Type::int32, "3000",
                               "Consumer groups (classic protocol): how long a new group waits for more members before its first rebalance", int_at_least(0)),
                         &ServerConfig::group_initial_rebalance_delay_ms));
  t.push_back(with_field(plain("group.min.session.timeout.ms", Type::int32, "6000",
                               "The shortest session timeout a group member may ask for", int_at_least(0)),
                         &ServerConfig::group_min_session_timeout_ms));
  t.push_back(with_field(plain("group.max.session.timeout.ms", Type::int32, "1800000",
                               "The longest session timeout a group member may ask for", int_at_least(0)),
                         &ServerConfig::group_max_session_timeout_ms));
  t.push_back(with_field(plain("group.max.size", Type::int32, "2147483647", "The most members a group takes",
                               int_at_least(1)), &ServerConfig::group_max_size));
  t.push_back(with_field(plain("group.coordinator.threads", Type::int32, "1",
                               "Threads running the group coordinator's shards", int_at_least(1, 64)),
                         &ServerConfig::group_coordinator_threads));
  t.push_back(with_field(plain("offsets.topic.num.partitions", Type::int32, "50",
                               "Partitions of `__consumer_offsets`, created at start-up when missing (compacted); a group lives in partition `abs(hash(group id)) % partitions` as in Kafka", int_at_least(1)),
                         &ServerConfig::offsets_topic_num_partitions));
  t.push_back(with_field(plain("offsets.topic.segment.bytes", Type::int32, "104857600",
                               "`segment.bytes` of `__consumer_offsets`", int_at_least(1)),
                         &ServerConfig::offsets_topic_segment_bytes));
  {
    auto k = plain("offsets.retention.minutes", Type::int32, "10080",
                   "Committed offsets of an empty group expire this long after it became empty (then the group goes too)", int_at_least(1));
    k.apply = sets_ms(&ServerConfig::offsets_retention_ms, 60000, false);
    t.push_back(k);
  }
  t.push_back(with_field(plain("offsets.retention.check.interval.ms", Type::int64, "600000",
                               "How often expired offsets are looked for", long_at_least(1)),
                         &ServerConfig::offsets_retention_check_interval_ms));
  t.push_back(with_field(plain("offset.metadata.max.bytes", Type::int32, "4096",
                               "The largest commit metadata", int_at_least(0)),
                         &ServerConfig::offset_metadata_max_bytes));
  // Producers and transactions.
  t.push_back(with_field(plain("transaction.max.timeout.ms", Type::int32, "900000",
                               "The longest transaction timeout a transactional producer may ask for (InitProducerId answers INVALID_TRANSACTION_TIMEOUT above it)", int_at_least(1)),
                         &ServerConfig::transaction_max_timeout_ms));
  t.push_back(with_field(plain("producer.id.expiration.ms", Type::int32, "86400000",
                               "A partition forgets an idempotent producer this long after its last write (the state that detects duplicates and gaps)", int_at_least(1)),
                         &ServerConfig::producer_id_expiration_ms));
  // fjord's own.
  t.push_back(with_field(plain("fjord.log.level", Type::string, "info", "spdlog levels, e.g. `info` or `info,net=debug`",
                               check_log_level), &ServerConfig::log_level));
  t.push_back(with_field(plain("fjord.log.direct.io", Type::boolean, "true",
                               "`true`: new log bytes are kept in memory and written with O_DIRECT, consumers near the end read them from memory; `false`: buffered writes through the page cache. See docs/storage.md", check_bool),
                         &ServerConfig::log_direct_io));
  t.push_back(with_field(plain("fjord.log.cache.window.bytes", Type::int64, "67108864",
                               "Page cache kept per partition behind the log end without direct I/O; 0: the kernel "
                               "decides", long_at_least(0)), &ServerConfig::log_cache_window_bytes));
  // Accepted, no effect on a single node without security.
  t.push_back(ignored("num.recovery.threads.per.data.dir", Type::int32, "1", int_at_least(1)));
  t.push_back(ignored("process.roles", Type::list, ""));
  t.push_back(ignored("controller.quorum.voters", Type::list, ""));
  t.push_back(ignored("controller.quorum.bootstrap.servers", Type::list, ""));
  t.push_back(ignored("inter.broker.listener.name", Type::string, std::nullopt));
  t.push_back(ignored("socket.send.buffer.bytes", Type::int32, "102400", number<int32_t>(INT32_MIN)));
  t.push_back(ignored("socket.receive.buffer.bytes", Type::int32, "102400", number<int32_t>(INT32_MIN)));
  t.push_back(ignored("offsets.topic.replication.factor", Type::int16, "3", number<int16_t>(1)));
  t.push_back(ignored("transaction.state.log.replication.factor", Type::int16, "3", number<int16_t>(1)));
  t.push_back(ignored("transaction.state.log.min.isr", Type::int32, "2", int_at_least(1)));
  t.push_back(ignored("transaction.state.log.load.buffer.size", Type::int32, "5242880", int_at_least(1)));
  t.push_back(ignored("zookeeper.connect", Type::string, std::nullopt));
  t.push_back(ignored("zookeeper.connection.timeout.ms", Type::int32, std::nullopt, number<int32_t>(INT32_MIN)));
  t.push_back(ignored("num.replica.fetchers", Type::int32, "1", number<int32_t>(INT32_MIN)));
  t.push_back(ignored("group.coordinator.rebalance.protocols", Type::list, "classic,consumer"));
  // One node: nothing to replicate or wait for; batches are written as built.
  t.push_back(ignored("offsets.commit.required.acks", Type::int16, "-1", number<int16_t>(-1)));
  t.push_back(ignored("offsets.commit.timeout.ms", Type::int32, "5000", int_at_least(1)));
  t.push_back(ignored("offsets.load.buffer.size", Type::int32, "5242880", int_at_least(1)));
  t.push_back(ignored("offsets.topic.compression.codec", Type::int32, "0", number<int32_t>(INT32_MIN)));
  return t;
}

}  // namespace

const std::vector<BrokerKey>& broker_keys() {
  static const std::vector<BrokerKey> keys = build();
  return keys;
}

}  // namespace fjord::broker
