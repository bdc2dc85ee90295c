#include "broker/config/server_config.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

namespace fjord::broker {
namespace {

template <typename T>
bool parse_int(const std::string& s, T* out, T min = std::numeric_limits<T>::min(),
               T max = std::numeric_limits<T>::max()) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return false;
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

bool parse_bool(const std::string& s, bool* out) {
  if (s == "true" || s == "TRUE" || s == "True") { *out = true; return true; }
  if (s == "false" || s == "FALSE" || s == "False") { *out = false; return true; }
  return false;
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

bool parse_listeners(const std::string& s, std::vector<Listener>* out) {
  std::vector<Listener> ls;
  for (auto& item : split_list(s)) {
    auto l = parse_listener(item);
    if (!l) return false;
    ls.push_back(*l);
  }
  if (ls.empty()) return false;
  *out = std::move(ls);
  return true;
}

bool valid_level(const std::string& s) {
  static const char* names[] = {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"};
  for (auto& item : split_list(s)) {
    std::string level = item;
    if (auto eq = item.find('='); eq != std::string::npos) level = item.substr(eq + 1);
    bool ok = false;
    for (auto n : names) ok = ok || level == n;
    if (!ok) return false;
  }
  return true;
}

// Values whose precedence does not depend on line order (ms beats minutes
// beats hours, log.dirs beats log.dir, like Kafka).
struct Pending {
  std::optional<int64_t> retention_ms, retention_minutes, retention_hours;
  std::optional<int64_t> roll_ms, roll_hours;
  std::optional<std::vector<std::string>> log_dirs, log_dir;
  std::optional<int32_t> node_id, broker_id;
  std::map<std::string, std::string> security_protocols;  // listener.security.protocol.map
  std::vector<std::string> controller_listeners;         // controller.listener.names
};

// Kafka's security protocols; a listener named like one uses it by default.
bool is_security_protocol(const std::string& s) {
  return s == "PLAINTEXT" || s == "SSL" || s == "SASL_PLAINTEXT" || s == "SASL_SSL";
}

// Kafka's rules for listeners, plus what this broker serves: PLAINTEXT only
// so far (TLS and SASL come later), so an SSL or SASL listener fails start-up
// instead of silently speaking plaintext. Listeners named in
// controller.listener.names (KRaft's controller port) are not served to
// clients. Returns the error, naming the key, or "".
std::string check_listeners(ServerConfig& c, const Pending& p) {
  std::vector<Listener> served;
  std::set<std::string> names;
  for (const Listener& l : c.listeners) {
    if (!names.insert(l.name).second) return "config key 'listeners' names listener " + l.name + " twice";
    if (std::find(p.controller_listeners.begin(), p.controller_listeners.end(), l.name) !=
        p.controller_listeners.end())
      continue;
    std::string protocol = l.name;
    if (auto it = p.security_protocols.find(l.name); it != p.security_protocols.end()) protocol = it->second;
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

using Setter = std::function<bool(const std::string&, ServerConfig&, Pending&)>;

template <typename T, typename Field>
Setter int_field(Field field, T min, T max = std::numeric_limits<T>::max()) {
  return [=](const std::string& v, ServerConfig& c, Pending&) { return parse_int<T>(v, &(c.*field), min, max); };
}
template <typename Field>
Setter bool_field(Field field) {
  return [=](const std::string& v, ServerConfig& c, Pending&) { return parse_bool(v, &(c.*field)); };
}
template <typename T, typename Slot>
Setter pending_int(Slot slot, T min) {
  return [=](const std::string& v, ServerConfig&, Pending& p) {
    T x;
    if (!parse_int<T>(v, &x, min)) return false;
    p.*slot = x;
    return true;
  };
}

const std::map<std::string, Setter, std::less<>>& setters() {
  static const std::map<std::string, Setter, std::less<>> table = {
      {"listeners", [](const std::string& v, ServerConfig& c, Pending&) { return parse_listeners(v, &c.listeners); }},
      {"listener.security.protocol.map", [](const std::string& v, ServerConfig&, Pending& p) {
         std::map<std::string, std::string> m;
         for (auto& item : split_list(v)) {
           auto colon = item.find(':');
           if (colon == std::string::npos || colon == 0) return false;
           std::string protocol = item.substr(colon + 1);
           if (!is_security_protocol(protocol))
             return false;
           m[item.substr(0, colon)] = protocol;
         }
         p.security_protocols = std::move(m);
         return true;
       }},
      {"controller.listener.names", [](const std::string& v, ServerConfig&, Pending& p) {
         p.controller_listeners = split_list(v);
         return true;
       }},
      {"advertised.listeners",
       [](const std::string& v, ServerConfig& c, Pending&) { return parse_listeners(v, &c.advertised_listeners); }},
      {"node.id", pending_int<int32_t>(&Pending::node_id, 0)},
      {"broker.id", pending_int<int32_t>(&Pending::broker_id, 0)},
      {"log.dirs", [](const std::string& v, ServerConfig&, Pending& p) {
         auto d = split_list(v);
         if (d.empty()) return false;
         p.log_dirs = d;
         return true;
       }},
      {"log.dir", [](const std::string& v, ServerConfig&, Pending& p) {
         auto d = split_list(v);
         if (d.empty()) return false;
         p.log_dir = d;
         return true;
       }},
      {"num.partitions", int_field<int32_t>(&ServerConfig::num_partitions, 1)},
      {"default.replication.factor", int_field<int16_t>(&ServerConfig::default_replication_factor, 1)},
      {"auto.create.topics.enable", bool_field(&ServerConfig::auto_create_topics_enable)},
      {"delete.topic.enable", bool_field(&ServerConfig::delete_topic_enable)},
      {"log.retention.ms", pending_int<int64_t>(&Pending::retention_ms, -1)},
      {"log.retention.minutes", pending_int<int64_t>(&Pending::retention_minutes, -1)},
      {"log.retention.hours", pending_int<int64_t>(&Pending::retention_hours, -1)},
      {"log.retention.bytes", int_field<int64_t>(&ServerConfig::log_retention_bytes, -1)},
      {"log.retention.check.interval.ms", int_field<int64_t>(&ServerConfig::log_retention_check_interval_ms, 1)},
      {"log.segment.bytes", int_field<int32_t>(&ServerConfig::log_segment_bytes, 14)},
      {"log.roll.ms", pending_int<int64_t>(&Pending::roll_ms, 1)},
      {"log.roll.hours", pending_int<int64_t>(&Pending::roll_hours, 1)},
      {"log.index.interval.bytes", int_field<int32_t>(&ServerConfig::log_index_interval_bytes, 0)},
      {"log.index.size.max.bytes", int_field<int32_t>(&ServerConfig::log_index_size_max_bytes, 4)},
      {"log.flush.interval.messages", [](const std::string& v, ServerConfig& c, Pending&) {
         int64_t x;
         if (!parse_int<int64_t>(v, &x, 1)) return false;
         c.log_flush_interval_messages = x;
         return true;
       }},
      {"log.segment.delete.delay.ms", int_field<int64_t>(&ServerConfig::log_segment_delete_delay_ms, 0)},
      {"compression.type", [](const std::string& v, ServerConfig& c, Pending&) {
         static const char* ok[] = {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"};
         for (auto o : ok)
           if (v == o) { c.compression_type = v; return true; }
         return false;
       }},
      {"log.flush.interval.ms", [](const std::string& v, ServerConfig& c, Pending&) {
         int64_t x;
         if (!parse_int<int64_t>(v, &x, 0)) return false;
         c.log_flush_interval_ms = x;
         return true;
       }},
      {"log.flush.scheduler.interval.ms", int_field<int64_t>(&ServerConfig::log_flush_scheduler_interval_ms, 1)},
      {"log.cleanup.policy", [](const std::string& v, ServerConfig& c, Pending&) {
         if (v != "delete" && v != "compact" && v != "compact,delete" && v != "delete,compact") return false;
         c.log_cleanup_policy = v;
         return true;
       }},
      {"log.message.timestamp.type", [](const std::string& v, ServerConfig& c, Pending&) {
         if (v != "CreateTime" && v != "LogAppendTime") return false;
         c.log_message_timestamp_type = v;
         return true;
       }},
      {"log.preallocate", bool_field(&ServerConfig::log_preallocate)},
      {"fjord.log.cache.window.bytes", int_field<int64_t>(&ServerConfig::log_cache_window_bytes, 0)},
      {"fjord.log.direct.io", bool_field(&ServerConfig::log_direct_io)},
      {"message.max.bytes", int_field<int32_t>(&ServerConfig::message_max_bytes, 0)},
      {"socket.request.max.bytes", int_field<int32_t>(&ServerConfig::socket_request_max_bytes, 1)},
      {"num.network.threads", int_field<int32_t>(&ServerConfig::num_network_threads, 1, 256)},
      {"num.io.threads", int_field<int32_t>(&ServerConfig::num_io_threads, 1, 256)},
      {"group.initial.rebalance.delay.ms", int_field<int32_t>(&ServerConfig::group_initial_rebalance_delay_ms, 0)},
      {"connections.max.idle.ms", int_field<int64_t>(&ServerConfig::connections_max_idle_ms, 1)},
      {"offsets.topic.num.partitions", int_field<int32_t>(&ServerConfig::offsets_topic_num_partitions, 1)},
      {"offsets.topic.segment.bytes", int_field<int32_t>(&ServerConfig::offsets_topic_segment_bytes, 1)},
      {"offsets.retention.minutes", [](const std::string& v, ServerConfig& c, Pending&) {
         int64_t x;
         if (!parse_int<int64_t>(v, &x, 1)) return false;
         c.offsets_retention_ms = x * 60000;
         return true;
       }},
      {"offsets.retention.check.interval.ms",
       int_field<int64_t>(&ServerConfig::offsets_retention_check_interval_ms, 1)},
      {"offset.metadata.max.bytes", int_field<int32_t>(&ServerConfig::offset_metadata_max_bytes, 0)},
      {"group.min.session.timeout.ms", int_field<int32_t>(&ServerConfig::group_min_session_timeout_ms, 0)},
      {"group.max.session.timeout.ms", int_field<int32_t>(&ServerConfig::group_max_session_timeout_ms, 0)},
      {"group.max.size", int_field<int32_t>(&ServerConfig::group_max_size, 1)},
      {"group.coordinator.threads", int_field<int32_t>(&ServerConfig::group_coordinator_threads, 1, 64)},
      {"fjord.log.level", [](const std::string& v, ServerConfig& c, Pending&) {
         if (!valid_level(v)) return false;
         c.log_level = v;
         return true;
       }},
  };
  return table;
}

// Kafka keys we accept but that have no effect on a single-node broker
// without security; listed so they do not produce "unknown key" noise.
bool is_ignored_kafka_key(std::string_view key) {
  static const char* keys[] = {
      "process.roles", "controller.quorum.voters", "inter.broker.listener.name", "socket.send.buffer.bytes",
      "socket.receive.buffer.bytes", "num.recovery.threads.per.data.dir",
      "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
      "transaction.state.log.min.isr", "zookeeper.connect", "zookeeper.connection.timeout.ms",
      "controller.quorum.bootstrap.servers", "min.insync.replicas", "unclean.leader.election.enable",
      "num.replica.fetchers", "group.coordinator.rebalance.protocols",
      // One node: nothing to replicate or wait for; batches are written as built.
      "offsets.commit.required.acks", "offsets.commit.timeout.ms", "offsets.load.buffer.size",
      "offsets.topic.compression.codec",
  };
  for (auto k : keys)
    if (key == k) return true;
  return false;
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
  uint16_t port;
  if (!parse_int<uint16_t>(rest.substr(colon + 1), &port)) return std::nullopt;
  l.port = port;
  return l;
}

ConfigResult parse_server_config(const Properties& props) {
  ConfigResult result;
  ServerConfig c;
  Pending p;
  for (const auto& [key, value] : props) {
    auto it = setters().find(key);
    if (it == setters().end()) {
      if (!is_ignored_kafka_key(key)) result.warnings.push_back("unknown config key '" + key + "' ignored");
      continue;
    }
    if (!it->second(value, c, p)) {
      result.error = "invalid value '" + value + "' for config key '" + key + "'";
      return result;
    }
  }
  if (p.retention_ms) c.log_retention_ms = *p.retention_ms;
  else if (p.retention_minutes) c.log_retention_ms = *p.retention_minutes < 0 ? -1 : *p.retention_minutes * 60000;
  else if (p.retention_hours) c.log_retention_ms = *p.retention_hours < 0 ? -1 : *p.retention_hours * 3600000;
  if (p.roll_ms) c.log_roll_ms = *p.roll_ms;
  else if (p.roll_hours) c.log_roll_ms = *p.roll_hours * 3600000;
  if (p.log_dirs) c.log_dirs = *p.log_dirs;
  else if (p.log_dir) c.log_dirs = *p.log_dir;
  if (p.node_id && p.broker_id && *p.node_id != *p.broker_id) {
    result.error = "config keys 'node.id' and 'broker.id' disagree";
    return result;
  }
  if (p.node_id) c.node_id = *p.node_id;
  else if (p.broker_id) c.node_id = *p.broker_id;
  if (std::string e = check_listeners(c, p); !e.empty()) {
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
