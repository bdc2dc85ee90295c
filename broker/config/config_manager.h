#pragma once
// Dynamic configuration: topic overrides and dynamic broker configs, and
// what DescribeConfigs reports about them. Every alter (AlterConfigs,
// IncrementalAlterConfigs, for topics, brokers and broker loggers) is a
// read-modify-write done here under one lock, validated against the
// registry (config_registry.h), persisted, then applied at once: topic
// overrides through LogManager::alter_topic_config, broker keys by deriving
// every topic's config again from the new defaults.
//
// Dynamic broker configs live in <first log dir>/fjord-broker-configs.properties
// ("node.<id>.<key>" per broker, "cluster.<key>" for the cluster default).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/config/config_registry.h"
#include "broker/config/server_config.h"
#include "broker/config/storage_settings.h"
#include "storage/log/log_manager.h"

namespace fjord::broker {

// ConfigResource types (ConfigResource.Type).
enum class ResourceType : int8_t { unknown = 0, topic = 2, broker = 4, broker_logger = 8 };

// IncrementalAlterConfigs operations (AlterConfigOp.OpType).
enum class AlterOp : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

struct ConfigChange {
  std::string name;
  int8_t op = 0;                     // AlterOp; checked, since it comes off the wire
  std::optional<std::string> value;  // null only makes sense for DELETE
};

// The outcome of an alter or describe of one resource, in Kafka's terms.
struct ConfigOutcome {
  enum class Error : uint8_t { none, invalid_request, invalid_config, unknown_topic, invalid_topic };
  Error error = Error::none;
  std::string message;
  static ConfigOutcome fail(Error e, std::string m) { return {e, std::move(m)}; }
  bool ok() const { return error == Error::none; }
};

struct DescribedSynonym {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source = ConfigSource::unknown;
};

struct DescribedConfig {
  std::string name;
  std::optional<std::string> value;
  bool read_only = false;
  bool sensitive = false;
  ConfigSource source = ConfigSource::default_config;
  std::vector<DescribedSynonym> synonyms;  // strongest first; always filled, callers drop them
  ConfigType type = ConfigType::unknown;
  std::string documentation;
};

class ConfigManager {
 public:
  // Reads the persisted dynamic broker configs of `node_id` (empty when
  // there are none); run before the LogManager opens, whose topic defaults
  // they change. Throws std::runtime_error on an unreadable file.
  static DynamicBrokerValues load_dynamic(const ServerConfig& config, int32_t node_id);

  ConfigManager(const ServerConfig& config, int32_t node_id, storage::LogManager& logs, DynamicBrokerValues dynamic);

  // IncrementalAlterConfigs (`incremental`) or AlterConfigs (every override
  // replaced by `changes`, all SETs) of one resource.
  ConfigOutcome alter(ResourceType type, const std::string& resource, const std::vector<ConfigChange>& changes,
                      bool incremental, bool validate_only);

  // DescribeConfigs of one resource; `keys` null means all of them.
  ConfigOutcome describe(ResourceType type, const std::string& resource,
                         const std::optional<std::vector<std::string>>& keys, std::vector<DescribedConfig>* out) const;
  // Every config of a topic as CreateTopics v5+ reports them.
  std::vector<DescribedConfig> describe_topic(const storage::TopicInfo& topic) const;

 private:
  ConfigOutcome alter_topic(const std::string& name, const std::vector<ConfigChange>& changes, bool incremental,
                            bool validate_only);
  ConfigOutcome alter_broker(const std::string& resource, const std::vector<ConfigChange>& changes, bool incremental,
                             bool validate_only);
  ConfigOutcome alter_loggers(const std::string& resource, const std::vector<ConfigChange>& changes,
                              bool validate_only);
  ConfigOutcome check_node(const std::string& resource) const;
  storage::Errc persist_locked(const DynamicBrokerValues& values) const;
  DynamicBrokerValues dynamic_snapshot() const;
  // Kafka's ConfigHelper.configSynonyms for broker key `name`.
  std::vector<DescribedSynonym> broker_synonym_chain(const std::string& name, const DynamicBrokerValues& d) const;
  DescribedConfig describe_broker_key(const BrokerKey& key, const DynamicBrokerValues& d, bool per_broker) const;
  DescribedConfig describe_topic_key(const TopicKey& key, const storage::TopicInfo& topic,
                                     const DynamicBrokerValues& d) const;

  const ServerConfig& config_;
  const int32_t node_id_;
  storage::LogManager& logs_;
  std::mutex mu_;  // every read-modify-write of a config, held across its fsync
  // dynamic_ is written holding both; DescribeConfigs (network threads)
  // takes only this one, so it never waits for an alter's fsync.
  mutable std::mutex dynamic_mu_;
  DynamicBrokerValues dynamic_;
};

}  // namespace fjord::broker
