// ConfigManager's read side: what DescribeConfigs (and CreateTopics v5+)
// report, with Kafka's ConfigHelper rules for values, sources and synonyms.
#include <algorithm>
#include <functional>
#include <charconv>

#include "broker/config/broker_loggers.h"
#include "broker/config/config_manager.h"
#include "broker/topics/topic_names.h"

namespace fjord::broker {
namespace {

using Error = ConfigOutcome::Error;

std::optional<std::string> find_in(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
  // Kafka treats an empty list like null: everything.
  return !keys || keys->empty() || std::find(keys->begin(), keys->end(), name) != keys->end();
}

}  // namespace

std::vector<DescribedSynonym> ConfigManager::broker_synonym_chain(const std::string& name,
                                                                  const DynamicBrokerValues& d) const {
  // Every source, strongest first, each in synonym order; then, as Kafka
  // does, everything before `name` itself is dropped (so a topic whose
  // retention comes from log.retention.hours reports no broker synonym).
  const auto synonyms = broker_synonyms(name);
  std::vector<DescribedSynonym> chain;
  auto add = [&](const std::function<std::optional<std::string>(const std::string&)>& lookup, ConfigSource source) {
    for (const auto& s : synonyms)
      if (auto v = lookup(s)) chain.push_back({s, v, source});
  };
  add([&](const std::string& k) { return find_in(d.per_broker, k); }, ConfigSource::dynamic_broker);
  add([&](const std::string& k) { return find_in(d.cluster_default, k); }, ConfigSource::dynamic_default_broker);
  add([&](const std::string& k) { return find_in(config_.static_values, k); }, ConfigSource::static_broker);
  add(
      [](const std::string& k) -> std::optional<std::string> {
        const BrokerKey* key = find_broker_key(k);
        return key ? key->default_value : std::nullopt;
      },
      ConfigSource::default_config);
  auto first = std::find_if(chain.begin(), chain.end(), [&](const DescribedSynonym& s) { return s.name == name; });
  return std::vector<DescribedSynonym>(first, chain.end());
}

DescribedConfig ConfigManager::describe_broker_key(const BrokerKey& key, const DynamicBrokerValues& d,
                                                   bool per_broker) const {
  DescribedConfig c;
  c.name = key.name;
  c.type = key.type;
  c.documentation = key.doc;
  c.read_only = key.mode == ConfigMode::read_only;
  c.sensitive = key.type == ConfigType::password;
  for (auto& s : broker_synonym_chain(key.name, d))
    if (per_broker || s.source == ConfigSource::dynamic_default_broker) c.synonyms.push_back(std::move(s));
  c.source = c.synonyms.empty() ? ConfigSource::default_config : c.synonyms.front().source;
  if (per_broker) {
    c.value = find_in(d.per_broker, key.name);
    if (!c.value) c.value = find_in(d.cluster_default, key.name);
    if (!c.value) c.value = find_in(config_.static_values, key.name);
    if (!c.value) c.value = key.default_value;
  } else {
    c.value = find_in(d.cluster_default, key.name);
  }
  return c;
}

DescribedConfig ConfigManager::describe_topic_key(const TopicKey& key, const storage::TopicInfo& topic,
                                                  const DynamicBrokerValues& d) const {
  DescribedConfig c;
  c.name = key.name;
  c.type = key.type;
  c.documentation = key.doc;
  c.value = topic.config.value_of(key.name);
  if (topic.overrides.count(key.name)) c.synonyms.push_back({key.name, c.value, ConfigSource::topic});
  if (!key.broker_synonyms.empty())
    for (auto& s : broker_synonym_chain(key.broker_synonyms.front(), d)) c.synonyms.push_back(std::move(s));
  c.source = c.synonyms.empty() ? ConfigSource::default_config : c.synonyms.front().source;
  return c;
}

std::vector<DescribedConfig> ConfigManager::describe_topic(const storage::TopicInfo& topic) const {
  const DynamicBrokerValues d = dynamic_snapshot();
  std::vector<DescribedConfig> out;
  for (const auto& key : topic_keys()) out.push_back(describe_topic_key(key, topic, d));
  return out;
}

ConfigOutcome ConfigManager::describe(ResourceType type, const std::string& resource,
                                      const std::optional<std::vector<std::string>>& keys,
                                      std::vector<DescribedConfig>* out) const {
  out->clear();
  const DynamicBrokerValues d = dynamic_snapshot();
  switch (type) {
    case ResourceType::topic: {
      if (std::string why = topic_name_error(resource); !why.empty())
        return ConfigOutcome::fail(Error::invalid_topic, why);
      auto topic = logs_.topic(resource);
      if (!topic) return ConfigOutcome::fail(Error::unknown_topic, "");
      for (const auto& key : topic_keys())
        if (wanted(keys, key.name)) out->push_back(describe_topic_key(key, *topic, d));
      return {};
    }
    case ResourceType::broker: {
      const bool per_broker = !resource.empty();
      if (per_broker) {
        int32_t id = 0;
        auto [p, ec] = std::from_chars(resource.data(), resource.data() + resource.size(), id);
        if (ec != std::errc() || p != resource.data() + resource.size())
          return ConfigOutcome::fail(Error::invalid_request, "Broker id must be an integer, but it is: " + resource);
        if (id != node_id_)
          return ConfigOutcome::fail(Error::invalid_request, "Unexpected broker id, expected " +
                                                                 std::to_string(node_id_) +
                                                                 " or empty string, but received " + resource);
      }
      for (const auto& key : broker_keys()) {
        if (!wanted(keys, key.name)) continue;
        if (!per_broker && !d.cluster_default.count(key.name)) continue;
        out->push_back(describe_broker_key(key, d, per_broker));
      }
      return {};
    }
    case ResourceType::broker_logger: {
      if (resource.empty()) return ConfigOutcome::fail(Error::invalid_request, "Broker id must not be empty");
      if (resource != std::to_string(node_id_))
        return ConfigOutcome::fail(Error::invalid_request, "Unexpected broker id, expected " +
                                                               std::to_string(node_id_) + " but received " + resource);
      for (const auto& [name, level] : broker_loggers()) {
        if (!wanted(keys, name)) continue;
        DescribedConfig c;
        c.name = name;
        c.value = level;
        c.source = ConfigSource::broker_logger;
        out->push_back(std::move(c));
      }
      return {};
    }
    case ResourceType::unknown: break;
  }
  return ConfigOutcome::fail(Error::invalid_request, "Unsupported resource type: " + std::to_string(int(type)));
}

}  // namespace fjord::broker
