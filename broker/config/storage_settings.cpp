#include "broker/config/storage_settings.h"

#include <stdexcept>

#include "broker/config/config_registry.h"

namespace fjord::broker {
namespace {

// The text `key` has in server.properties terms: its ServerConfig member
// when it has one, else what the file gave.
std::optional<std::string> static_value(const ServerConfig& c, const BrokerKey& key) {
  if (key.render) return key.render(c);
  auto it = c.static_values.find(key.name);
  if (it == c.static_values.end()) return std::nullopt;
  return it->second;
}

}  // namespace

storage::Errc make_topic_defaults(const ServerConfig& c, const DynamicBrokerValues& dynamic, storage::LogConfig* out,
                                  std::string* error) {
  std::map<std::string, std::string> values;
  for (const auto& topic : topic_keys()) {
    std::optional<std::string> value;
    for (const auto* layer : {&dynamic.per_broker, &dynamic.cluster_default})
      for (const auto& name : topic.broker_synonyms)
        if (auto it = layer->find(name); !value && it != layer->end())
          value = to_topic_value(*find_broker_key(name), it->second);
    for (const auto& name : topic.broker_synonyms) {
      if (value) break;
      const BrokerKey& key = *find_broker_key(name);
      if (auto v = static_value(c, key)) value = to_topic_value(key, *v);
    }
    if (value) values[topic.name] = *value;
  }
  return storage::LogConfig::parse(storage::LogConfig{}, values, out, error);
}

storage::StorageConfig make_storage_config(const ServerConfig& c, const DynamicBrokerValues& dynamic) {
  storage::StorageConfig s;
  s.log_dirs = c.log_dirs;
  s.retention_check_interval_ms = c.log_retention_check_interval_ms;
  s.page_cache_window_bytes = c.log_cache_window_bytes;
  s.direct_io = c.log_direct_io;
  s.read_threads = c.num_io_threads;
  s.producer_id_expiration_ms = c.producer_id_expiration_ms;
  s.log_cleaner_enable = c.log_cleaner_enable;
  s.log_cleaner_backoff_ms = c.log_cleaner_backoff_ms;
  s.log_cleaner_dedupe_buffer_size = c.log_cleaner_dedupe_buffer_size;
  if (c.log_flush_scheduler_interval_ms != INT64_MAX) s.flush_scheduler_interval_ms = c.log_flush_scheduler_interval_ms;
  std::string error;
  if (make_topic_defaults(c, dynamic, &s.defaults, &error) != storage::Errc::ok)
    throw std::invalid_argument("topic defaults: " + error);
  return s;
}

}  // namespace fjord::broker
