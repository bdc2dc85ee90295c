#pragma once
// Maps broker settings onto the storage engine's configuration. Topic
// defaults come from the broker keys that the registry names as topic
// configs' synonyms (log.retention.ms -> retention.ms), strongest source
// first: dynamic per-broker, dynamic cluster default, server.properties.
#include <map>
#include <string>

#include "broker/config/server_config.h"
#include "storage/storage_config.h"

namespace fjord::broker {

// Dynamic broker configs (IncrementalAlterConfigs on a BROKER resource).
struct DynamicBrokerValues {
  std::map<std::string, std::string> per_broker;       // resource "<node id>"
  std::map<std::string, std::string> cluster_default;  // resource ""
};

// The LogConfig every topic's overrides apply on top of. invalid_config
// (with *error) when the combination does not validate.
storage::Errc make_topic_defaults(const ServerConfig& c, const DynamicBrokerValues& dynamic, storage::LogConfig* out,
                                  std::string* error);

// Throws std::invalid_argument when the topic defaults do not validate.
storage::StorageConfig make_storage_config(const ServerConfig& c, const DynamicBrokerValues& dynamic = {});

}  // namespace fjord::broker
