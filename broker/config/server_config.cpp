#include "broker/config/server_config.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "broker/config/config_registry.h"

namespace fjord::broker {
namespace {

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

const std::string* value_of(const ServerConfig& c, const std::string& key) {
  auto it = c.static_values.find(key);
  return it == c.static_values.end() ? nullptr : &it->second;
}

// Kafka's security protocols; a listener named like one uses it by default.
bool is_security_protocol(const std::string& s) {
  return s == "PLAINTEXT" || s == "SSL" || s == "SASL_PLAINTEXT" || s == "SASL_SSL";
}

// Kafka's rules for listeners, plus what this broker serves: PLAINTEXT only
// so far (TLS and SASL come later), so an SSL or SASL listener fails start-up
// instead of silently speaking plaintext. Listeners named in
// controller.listener.names (KRaft's controller port) are not served to
// clients. Returns the error, naming the key, or "".
std::string check_listeners(ServerConfig& c) {
  std::map<std::string, std::string> security_protocols;
  if (auto* map = value_of(c, "listener.security.protocol.map"))
    for (auto& item : split_list(*map)) {
      auto colon = item.find(':');
      security_protocols[item.substr(0, colon)] = item.substr(colon + 1);
    }
  std::vector<std::string> controller_listeners;
  if (auto* names = value_of(c, "controller.listener.names")) controller_listeners = split_list(*names);
  std::vector<Listener> served;
  std::set<std::string> names;
  for (const Listener& l : c.listeners) {
    if (!names.insert(l.name).second) return "config key 'listeners' names listener " + l.name + " twice";
    if (std::find(controller_listeners.begin(), controller_listeners.end(), l.name) != controller_listeners.end())
      continue;
    std::string protocol = l.name;
    if (auto it = security_protocols.find(l.name); it != security_protocols.end()) protocol = it->second;
    else if (!is_security_protocol(l.name))
      return "listener " + l.name + " has no security protocol in config key 'listener.security.protocol.map'";
    if (protocol != "PLAINTEXT")
      return "listener " + l.name + " uses " + protocol +
             ", which this broker does not support yet (config key 'listeners'); use PLAINTEXT";
    for (const Listener& s : served)
      if (s.port != 0 && s.port == l.port && s.host == l.host)
        return "config key 'listeners': " + s.name + " and " + l.name + " both use port " + std::to_string(l.port);
    served.push_back(l);
  }
  if (served.empty()) return "config key 'listeners' has no listener for clients (all are controller listeners)";
  for (const Listener& a : c.advertised_listeners)
    if (!names.count(a.name))
      return "config key 'advertised.listeners' names " + a.name + ", which is not in 'listeners'";
  c.listeners = std::move(served);
  return "";
}

// The keys whose meaning does not depend on line order: log.dirs beats
// log.dir, node.id and broker.id must agree.
std::string resolve_identity(ServerConfig& c) {
  if (auto* dirs = value_of(c, "log.dirs")) c.log_dirs = split_list(*dirs);
  else if (auto* dir = value_of(c, "log.dir")) c.log_dirs = split_list(*dir);
  const std::string* node = value_of(c, "node.id");
  const std::string* broker = value_of(c, "broker.id");
  if (node && broker && std::stoi(*node) != std::stoi(*broker)) return "config keys 'node.id' and 'broker.id' disagree";
  if (node) c.node_id = std::stoi(*node);
  else if (broker) c.node_id = std::stoi(*broker);
  return "";
}

}  // namespace

std::optional<Listener> parse_listener(const std::string& text) {
  // NAME://host:port; an empty host means all interfaces in Kafka, but this
  // broker keeps to loopback unless told otherwise.
  auto sep = text.find("://");
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  Listener l;
  l.name = text.substr(0, sep);
  std::string rest = text.substr(sep + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  l.host = host.empty() ? "127.0.0.1" : host;
  std::string port_text = rest.substr(colon + 1);
  uint16_t port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port_text.empty()) return std::nullopt;
  l.port = port;
  return l;
}

ConfigResult parse_server_config(const Properties& props) {
  ConfigResult result;
  ServerConfig c;
  for (const auto& [key, value] : props) {
    const BrokerKey* def = find_broker_key(key);
    if (!def) {
      result.warnings.push_back("unknown config key '" + key + "' ignored");
      continue;
    }
    if (std::string why = check_broker_value(*def, value); !why.empty()) {
      result.error = "invalid value '" + value + "' for config key '" + key + "': " + why;
      return result;
    }
    c.static_values[key] = value;
  }
  // Synonyms are listed strongest first and may set the same member
  // (log.retention.ms/.minutes/.hours): applying the table backwards lets
  // the strongest one given win whatever the line order.
  const auto& keys = broker_keys();
  for (auto it = keys.rbegin(); it != keys.rend(); ++it)
    if (it->apply)
      if (const std::string* v = value_of(c, it->name)) it->apply(*v, c);
  if (std::string e = resolve_identity(c); !e.empty()) {
    result.error = e;
    return result;
  }
  if (std::string e = check_listeners(c); !e.empty()) {
    result.error = e;
    return result;
  }
  if (c.message_max_bytes > c.socket_request_max_bytes) {
    result.warnings.push_back("message.max.bytes exceeds socket.request.max.bytes");
  }
  result.config = std::move(c);
  return result;
}

ConfigResult load_server_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigResult r;
    r.error = "cannot read config file '" + path + "'";
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  Properties props = parse_properties(ss.str());
  for (const auto& o : overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      ConfigResult r;
      r.error = "invalid --override '" + o + "' (expected key=value)";
      return r;
    }
    props.emplace_back(o.substr(0, eq), o.substr(eq + 1));
  }
  return parse_server_config(props);
}

}  // namespace fjord::broker
