#pragma once
// The one table of configuration keys: every Kafka 3.9 topic config and the
// broker keys fjord knows. server.properties parsing, the topic defaults
// handed to storage, DescribeConfigs and the alter APIs all read it.
//
// Topic configs are bound to storage::LogConfig fields in
// storage/log_config.cpp (types, values, validation); this table adds what
// the broker says about them: documentation and broker synonyms. A broker
// key that is the broker-wide default of a topic config names it in
// `topic_config` (log.retention.ms -> retention.ms), in Kafka's synonym
// order (log.retention.ms, log.retention.minutes, log.retention.hours).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fjord::broker {

struct ServerConfig;

// DescribeConfigs ConfigType ids (KIP-569).
enum class ConfigType : int8_t {
  unknown = 0, boolean = 1, string = 2, int32 = 3, int16 = 4, int64 = 5, float64 = 6, list = 7, class_name = 8,
  password = 9,
};

// DescribeConfigs ConfigSource ids.
enum class ConfigSource : int8_t {
  unknown = 0,
  topic = 1,                   // DYNAMIC_TOPIC_CONFIG
  dynamic_broker = 2,          // DYNAMIC_BROKER_CONFIG
  dynamic_default_broker = 3,  // DYNAMIC_DEFAULT_BROKER_CONFIG
  static_broker = 4,           // STATIC_BROKER_CONFIG
  default_config = 5,          // DEFAULT_CONFIG
  broker_logger = 6,           // DYNAMIC_BROKER_LOGGER_CONFIG
};

// What IncrementalAlterConfigs may do with a broker key: read-only keys
// need a restart; cluster-wide ones may be set per broker or as the
// cluster default, and take effect at once.
enum class ConfigMode : uint8_t { read_only, cluster_wide };

struct BrokerKey {
  std::string name;
  ConfigType type = ConfigType::string;
  std::optional<std::string> default_value;  // fjord's default as text; nullopt renders null
  std::string doc;                           // one line
  ConfigMode mode = ConfigMode::read_only;
  bool acted_on = true;       // false: accepted for compatibility, no effect on one node
  std::string topic_config;   // the topic config this key is the broker default of, or ""
  int64_t unit_ms = 1;        // topic value = value * unit_ms (.minutes, .hours synonyms)
  // "" when `value` is acceptable, else Kafka's reason (ConfigDef wording).
  std::function<std::string(const std::string& value)> validate;
  // Sets the ServerConfig member the key feeds (null: only the raw text is
  // kept, in ServerConfig::static_values).
  std::function<void(const std::string& value, ServerConfig&)> apply;
  // The member's value as text (null when there is no member of its own).
  std::function<std::optional<std::string>(const ServerConfig&)> render;
};

struct TopicKey {
  std::string name;
  ConfigType type = ConfigType::string;
  std::string default_value;                 // Kafka's default, as storage::LogConfig{} renders it
  std::string doc;
  std::vector<std::string> broker_synonyms;  // broker keys giving its default, in precedence order
};

const std::vector<BrokerKey>& broker_keys();
const BrokerKey* find_broker_key(std::string_view name);
const std::vector<TopicKey>& topic_keys();
const TopicKey* find_topic_key(std::string_view name);

// Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the keys that set the
// same thing as `name`, in precedence order (log.roll.ms, log.roll.hours),
// or just {name}.
std::vector<std::string> broker_synonyms(std::string_view name);

// Validates `value` for a broker key: its own reason or, for a topic
// config's synonym, the topic config's (after the unit conversion).
// "" when fine; otherwise Kafka's "Invalid value ... for configuration ...".
std::string check_broker_value(const BrokerKey& key, const std::string& value);
// The topic config value a broker synonym's text stands for (hours -> ms;
// a negative retention is -1, as Kafka reads it).
std::string to_topic_value(const BrokerKey& key, const std::string& value);

// Kafka's ConfigDef type name (BOOLEAN, STRING, INT, ...).
std::string_view type_name(ConfigType type);
ConfigType type_from_name(std::string_view name);

}  // namespace fjord::broker
