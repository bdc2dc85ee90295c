#include "broker/config/config_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <charconv>
#include <set>
#include <sstream>
#include <stdexcept>

#include "broker/config/broker_loggers.h"
#include "broker/config/properties.h"
#include "broker/topics/topic_names.h"
#include "storage/file_ops.h"

namespace fjord::broker {
namespace {

using Error = ConfigOutcome::Error;
constexpr const char* kFile = "fjord-broker-configs.properties";

std::string file_path(const ServerConfig& c) { return c.log_dirs.front() + "/" + kFile; }

std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    out.push_back(item.substr(b, item.find_last_not_of(" \t") - b + 1));
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// The checks Kafka's ConfigAdminManager.preprocess makes on every resource.
ConfigOutcome check_changes(const std::vector<ConfigChange>& changes, bool incremental) {
  std::set<std::string> seen;
  std::vector<std::string> nulls;
  for (const auto& c : changes) {
    if (!seen.insert(c.name).second)
      return ConfigOutcome::fail(Error::invalid_request, "Error due to duplicate config keys");
    if (c.op < 0 || c.op > 3)
      return ConfigOutcome::fail(Error::invalid_request, "Unknown operations type " + std::to_string(c.op));
    if (!c.value && (!incremental || AlterOp(c.op) != AlterOp::remove)) nulls.push_back(c.name);
  }
  if (!nulls.empty()) {
    std::string names;
    for (const auto& n : nulls) names += (names.empty() ? "" : ", ") + n;
    return ConfigOutcome::fail(Error::invalid_request, "Null value not supported for : " + names);
  }
  return {};
}

// SET/DELETE/APPEND/SUBTRACT on `values`; `current_default` gives a LIST
// key's value when there is none of its own (APPEND starts from it).
ConfigOutcome apply_changes(std::map<std::string, std::string>& values, const std::vector<ConfigChange>& changes,
                            const std::function<bool(const std::string&)>& is_list,
                            const std::function<std::string(const std::string&)>& current_default,
                            const std::string& list_error_format) {
  for (const auto& c : changes) {
    switch (AlterOp(c.op)) {
      case AlterOp::set: values[c.name] = *c.value; break;
      case AlterOp::remove: values.erase(c.name); break;
      case AlterOp::append:
      case AlterOp::subtract: {
        const bool append = AlterOp(c.op) == AlterOp::append;
        if (!is_list(c.name)) {
          std::string m = list_error_format;
          if (auto at = m.find("%OP"); at != std::string::npos) m.replace(at, 3, append ? "APPEND" : "SUBTRACT");
          if (auto at = m.find("%op"); at != std::string::npos) m.replace(at, 3, append ? "append" : "subtract");
          m.replace(m.find("%key"), 4, c.name);
          return ConfigOutcome::fail(Error::invalid_config, m);
        }
        auto it = values.find(c.name);
        auto items = split_list(it != values.end() ? it->second : current_default(c.name));
        for (const auto& v : split_list(*c.value)) {
          auto pos = std::find(items.begin(), items.end(), v);
          if (append && pos == items.end()) items.push_back(v);
          if (!append) items.erase(std::remove(items.begin(), items.end(), v), items.end());
        }
        values[c.name] = join(items);
        break;
      }
    }
  }
  return {};
}

}  // namespace

DynamicBrokerValues ConfigManager::load_dynamic(const ServerConfig& config, int32_t node_id) {
  DynamicBrokerValues d;
  std::string text;
  if (!storage::file_exists(file_path(config))) return d;
  if (!storage::read_small_file(file_path(config), &text))
    throw std::runtime_error("cannot read " + file_path(config));
  const std::string mine = "node." + std::to_string(node_id) + ".";
  for (const auto& [k, v] : parse_properties(text)) {
    if (k.rfind(mine, 0) == 0) d.per_broker[k.substr(mine.size())] = v;
    else if (k.rfind("cluster.", 0) == 0) d.cluster_default[k.substr(8)] = v;
  }
  // A key a newer or older fjord made dynamic may not be one now.
  for (auto* layer : {&d.per_broker, &d.cluster_default})
    for (auto it = layer->begin(); it != layer->end();) {
      const BrokerKey* key = find_broker_key(it->first);
      if (!key || key->mode == ConfigMode::read_only || !check_broker_value(*key, it->second).empty()) {
        spdlog::warn("config: ignoring stored dynamic broker config {}={}", it->first, it->second);
        it = layer->erase(it);
      } else {
        ++it;
      }
    }
  return d;
}

ConfigManager::ConfigManager(const ServerConfig& config, int32_t node_id, storage::LogManager& logs,
                             DynamicBrokerValues dynamic)
    : config_(config), node_id_(node_id), logs_(logs), dynamic_(std::move(dynamic)) {}

DynamicBrokerValues ConfigManager::dynamic_snapshot() const {
  std::lock_guard lk(dynamic_mu_);
  return dynamic_;
}

ConfigOutcome ConfigManager::check_node(const std::string& resource) const {
  int32_t id = 0;
  auto [p, ec] = std::from_chars(resource.data(), resource.data() + resource.size(), id);
  if (ec != std::errc() || p != resource.data() + resource.size())
    return ConfigOutcome::fail(Error::invalid_request, "Node id must be an integer, but it is: " + resource);
  if (id != node_id_)
    return ConfigOutcome::fail(Error::invalid_request, "Unexpected broker id, expected " + std::to_string(node_id_) +
                                                           ", but received " + resource);
  return {};
}

ConfigOutcome ConfigManager::alter(ResourceType type, const std::string& resource,
                                   const std::vector<ConfigChange>& changes, bool incremental, bool validate_only) {
  if (auto c = check_changes(changes, incremental); !c.ok()) return c;
  switch (type) {
    case ResourceType::topic: return alter_topic(resource, changes, incremental, validate_only);
    case ResourceType::broker: return alter_broker(resource, changes, incremental, validate_only);
    case ResourceType::broker_logger:
      if (incremental) return alter_loggers(resource, changes, validate_only);
      break;
    case ResourceType::unknown: break;
  }
  return ConfigOutcome::fail(Error::invalid_request, "Unknown resource type " + std::to_string(int(type)));
}

ConfigOutcome ConfigManager::alter_topic(const std::string& name, const std::vector<ConfigChange>& changes,
                                         bool incremental, bool validate_only) {
  if (name.empty()) return ConfigOutcome::fail(Error::invalid_request, "Default topic resources are not allowed.");
  if (std::string why = topic_name_error(name); !why.empty()) return ConfigOutcome::fail(Error::invalid_topic, why);
  std::lock_guard lk(mu_);
  auto topic = logs_.topic(name);
  if (!topic) return ConfigOutcome::fail(Error::unknown_topic, "The topic '" + name + "' does not exist.");
  std::map<std::string, std::string> overrides;
  if (incremental) {
    overrides = topic->overrides;
    const storage::LogConfig defaults = logs_.topic_defaults();
    auto c = apply_changes(
        overrides, changes,
        [](const std::string& k) {
          const char* t = storage::LogConfig::type_of(k);
          return t && std::string(t) == "LIST";
        },
        [&defaults](const std::string& k) { return defaults.value_of(k).value_or(""); },
        "Can't %OP to key %key because its type is not LIST.");
    if (!c.ok()) return c;
  } else {
    for (const auto& c : changes) overrides[c.name] = *c.value;
  }
  std::string error;
  storage::LogConfig checked;
  if (storage::LogConfig::parse(logs_.topic_defaults(), overrides, &checked, &error) != storage::Errc::ok)
    return ConfigOutcome::fail(Error::invalid_config, error);
  if (validate_only) return {};
  auto e = logs_.alter_topic_config(name, overrides, &error);
  if (e == storage::Errc::unknown_topic)
    return ConfigOutcome::fail(Error::unknown_topic, "The topic '" + name + "' does not exist.");
  if (e != storage::Errc::ok)
    return ConfigOutcome::fail(Error::invalid_config, error.empty() ? storage::to_string(e) : error);
  spdlog::info("config: topic {} overrides now {}", name, [&] {
    std::string s;
    for (const auto& [k, v] : overrides) s += (s.empty() ? "" : ", ") + k + "=" + v;
    return s.empty() ? std::string("(none)") : s;
  }());
  return {};
}

ConfigOutcome ConfigManager::alter_broker(const std::string& resource, const std::vector<ConfigChange>& changes,
                                          bool incremental, bool validate_only) {
  const bool per_broker = !resource.empty();
  if (per_broker)
    if (auto c = check_node(resource); !c.ok()) return c;
  std::lock_guard lk(mu_);
  DynamicBrokerValues next = dynamic_;
  auto& layer = per_broker ? next.per_broker : next.cluster_default;
  if (incremental) {
    auto c = apply_changes(
        layer, changes,
        [](const std::string& k) {
          const BrokerKey* key = find_broker_key(k);
          return key && key->type == ConfigType::list;
        },
        [this](const std::string& k) {
          const BrokerKey* key = find_broker_key(k);
          auto it = config_.static_values.find(k);
          if (it != config_.static_values.end()) return it->second;
          return key && key->default_value ? *key->default_value : std::string();
        },
        "Config value %op is not allowed for config key: %key");
    if (!c.ok()) return c;
  } else {
    layer.clear();
    for (const auto& c : changes) layer[c.name] = *c.value;
  }
  // Kafka's DynamicBrokerConfig.validate: keys that need a restart first
  // (fjord counts keys it does not know among them), then the values.
  std::vector<std::string> fixed;
  for (const auto& [k, v] : layer) {
    const BrokerKey* key = find_broker_key(k);
    if (!key || key->mode == ConfigMode::read_only) fixed.push_back(k);
  }
  if (!fixed.empty()) {
    std::string names;
    for (const auto& n : fixed) names += (names.empty() ? "" : ", ") + n;
    return ConfigOutcome::fail(Error::invalid_request, "Cannot update these configs dynamically: Set(" + names + ")");
  }
  for (const auto& [k, v] : layer)
    if (std::string why = check_broker_value(*find_broker_key(k), v); !why.empty())
      return ConfigOutcome::fail(Error::invalid_request, why);
  storage::LogConfig defaults;
  std::string error;
  if (make_topic_defaults(config_, next, &defaults, &error) != storage::Errc::ok)
    return ConfigOutcome::fail(Error::invalid_request, error);
  if (validate_only) return {};
  if (persist_locked(next) != storage::Errc::ok)
    return ConfigOutcome::fail(Error::invalid_request, "cannot persist the dynamic broker configs");
  {
    std::lock_guard lk(dynamic_mu_);
    dynamic_ = std::move(next);
  }
  logs_.set_topic_defaults(defaults);
  spdlog::info("config: dynamic broker configs ({}) changed", per_broker ? "broker " + resource : "cluster default");
  return {};
}

ConfigOutcome ConfigManager::alter_loggers(const std::string& resource, const std::vector<ConfigChange>& changes,
                                           bool validate_only) {
  if (resource.empty()) return ConfigOutcome::fail(Error::invalid_request, "Broker id must not be empty");
  if (auto c = check_node(resource); !c.ok()) return c;
  std::lock_guard lk(mu_);
  for (const auto& c : changes) {
    const AlterOp op = AlterOp(c.op);
    if (op == AlterOp::append || op == AlterOp::subtract)
      return ConfigOutcome::fail(Error::invalid_request, std::string(op == AlterOp::append ? "APPEND" : "SUBTRACT") +
                                                             " operation is not allowed for the BROKER_LOGGER resource");
    if (!logger_exists(c.name))
      return ConfigOutcome::fail(Error::invalid_config, "Logger " + c.name + " does not exist!");
    if (op == AlterOp::remove && c.name == kRootLogger)
      return ConfigOutcome::fail(Error::invalid_request, "Removing the log level of the root logger is not allowed");
    if (op == AlterOp::set && !valid_logger_level(*c.value))
      return ConfigOutcome::fail(Error::invalid_config,
                                 "Cannot set the log level of " + c.name + " to " + *c.value +
                                     " as it is not a supported log level. Valid log4j levels are " +
                                     std::string(kLoggerLevels));
  }
  if (validate_only) return {};
  for (const auto& c : changes) {
    if (AlterOp(c.op) == AlterOp::set) set_logger_level(c.name, *c.value);
    else reset_logger_level(c.name);
  }
  return {};
}

storage::Errc ConfigManager::persist_locked(const DynamicBrokerValues& values) const {
  std::string text = "# fjord dynamic broker configs: node.<id>.<key> per broker, cluster.<key> cluster-wide\n";
  for (const auto& [k, v] : values.cluster_default) text += "cluster." + k + "=" + v + "\n";
  // Other nodes' lines (a data dir moved between node ids) are kept.
  std::string old;
  const std::string mine = "node." + std::to_string(node_id_) + ".";
  if (storage::read_small_file(file_path(config_), &old))
    for (const auto& [k, v] : parse_properties(old))
      if (k.rfind("node.", 0) == 0 && k.rfind(mine, 0) != 0) text += k + "=" + v + "\n";
  for (const auto& [k, v] : values.per_broker) text += mine + k + "=" + v + "\n";
  return storage::write_file_atomic(file_path(config_), text);
}

}  // namespace fjord::broker
