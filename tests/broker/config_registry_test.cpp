// The configuration registry: consistent with storage::LogConfig and ServerConfig,
// and the README's configuration tables are exactly what it says.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "broker/config/config_registry.h"
#include "broker/config/properties.h"
#include "broker/config/server_config.h"
#include "storage/log/log_config.h"

namespace fjord::broker {
namespace {

ServerConfig defaults() {
  auto r = parse_server_config({});
  EXPECT_TRUE(r.config) << r.error;
  return *r.config;
}

TEST(ConfigRegistry, EveryTopicConfigIsDocumentedAndTyped) {
  std::set<std::string> storage_names;
  for (const auto& n : storage::LogConfig::names()) storage_names.insert(n);
  EXPECT_EQ(storage_names.size(), 36u);  // Kafka 3.9's topic configs
  std::set<std::string> registry_names;
  for (const auto& k : topic_keys()) {
    registry_names.insert(k.name);
    EXPECT_FALSE(k.doc.empty()) << k.name;
    EXPECT_NE(k.type, ConfigType::unknown) << k.name;
    EXPECT_EQ(storage::LogConfig::check_value(k.name, k.default_value), "") << k.name;
  }
  EXPECT_EQ(registry_names, storage_names);
}

TEST(ConfigRegistry, BrokerKeysAreConsistent) {
  std::set<std::string> names;
  const ServerConfig c = defaults();
  for (const auto& k : broker_keys()) {
    EXPECT_TRUE(names.insert(k.name).second) << "twice: " << k.name;
    EXPECT_FALSE(k.doc.empty()) << k.name;
    if (k.default_value) {
      EXPECT_EQ(check_broker_value(k, *k.default_value), "") << k.name;
    }
    // A member's default is the documented default (or unset, which means it).
    if (k.render && k.default_value && k.unit_ms == 1 && k.render(c)) {
      EXPECT_EQ(k.render(c), k.default_value) << k.name;
    }
    if (!k.topic_config.empty()) {
      EXPECT_NE(find_topic_key(k.topic_config), nullptr) << k.name;
    }
    if (k.mode == ConfigMode::cluster_wide) {
      EXPECT_FALSE(k.topic_config.empty()) << k.name << " is dynamic";
    }
  }
  // Kafka's synonym groups, strongest first.
  EXPECT_EQ(find_topic_key("retention.ms")->broker_synonyms,
            (std::vector<std::string>{"log.retention.ms", "log.retention.minutes", "log.retention.hours"}));
  EXPECT_EQ(find_topic_key("flush.ms")->broker_synonyms,
            (std::vector<std::string>{"log.flush.interval.ms", "log.flush.scheduler.interval.ms"}));
  EXPECT_EQ(broker_synonyms("log.roll.hours"), (std::vector<std::string>{"log.roll.ms", "log.roll.hours"}));
  EXPECT_EQ(broker_synonyms("num.partitions"), std::vector<std::string>{"num.partitions"});
}

TEST(ConfigRegistry, BrokerValuesAreCheckedWithTheTopicConfigsRules) {
  const BrokerKey& hours = *find_broker_key("log.retention.hours");
  EXPECT_EQ(to_topic_value(hours, "2"), "7200000");
  EXPECT_EQ(to_topic_value(hours, "-1"), "-1");
  EXPECT_NE(check_broker_value(hours, "1.5").find("Not a number of type INT"), std::string::npos);
  const BrokerKey& segment = *find_broker_key("log.segment.bytes");
  EXPECT_NE(check_broker_value(segment, "13").find("Value must be at least 14"), std::string::npos);
  EXPECT_NE(check_broker_value(*find_broker_key("log.cleanup.policy"), "shred").find("log.cleanup.policy"),
            std::string::npos);
  EXPECT_EQ(check_broker_value(*find_broker_key("log.roll.hours"), "0").empty(), false);
}

// ---- README: the configuration tables are generated from the registry.

std::string code(const std::string& s) { return "`" + s + "`"; }

std::string broker_table() {
  std::ostringstream out;
  out << "| Key | Default | Dynamic | Meaning |\n|---|---|---|---|\n";
  for (const auto& k : broker_keys()) {
    if (!k.acted_on) continue;
    std::string meaning = k.doc;
    if (!k.topic_config.empty()) meaning += " (topic config " + code(k.topic_config) + ")";
    out << "| " << code(k.name) << " | " << (k.default_value ? code(*k.default_value) : "") << " | "
        << (k.mode == ConfigMode::cluster_wide ? "yes" : "") << " | " << meaning << " |\n";
  }
  return out.str();
}

std::string topic_table() {
  std::ostringstream out;
  out << "| Topic config | Default | Broker default | Meaning |\n|---|---|---|---|\n";
  for (const auto& k : topic_keys()) {
    std::string synonyms;
    for (const auto& s : k.broker_synonyms) synonyms += (synonyms.empty() ? "" : ", ") + code(s);
    out << "| " << code(k.name) << " | " << code(k.default_value) << " | " << synonyms << " | " << k.doc << " |\n";
  }
  return out.str();
}

// Replaces what lies between `<!-- name:begin -->` and `<!-- name:end -->`.
bool replace_section(std::string& text, const std::string& name, const std::string& content, std::string* old) {
  const std::string begin = "<!-- " + name + ":begin -->\n", end = "<!-- " + name + ":end -->";
  auto b = text.find(begin), e = text.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) return false;
  b += begin.size();
  *old = text.substr(b, e - b);
  text.replace(b, e - b, content);
  return true;
}

TEST(ConfigRegistry, ReadmeConfigurationTablesMatchTheRegistry) {
  const std::string path = std::string(FJORD_SOURCE_DIR) + "/README.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str(), old_broker, old_topic;
  ASSERT_TRUE(replace_section(text, "broker-configs", broker_table(), &old_broker)) << "README lacks the markers";
  ASSERT_TRUE(replace_section(text, "topic-configs", topic_table(), &old_topic)) << "README lacks the markers";
  if (std::getenv("FJORD_UPDATE_README")) {
    std::ofstream(path) << text;
    return;
  }
  EXPECT_EQ(old_broker, broker_table()) << "README.md's broker table is stale: run this test with "
                                           "FJORD_UPDATE_README=1 to regenerate it";
  EXPECT_EQ(old_topic, topic_table()) << "README.md's topic table is stale: run this test with "
                                         "FJORD_UPDATE_README=1 to regenerate it";
}

}  // namespace
}  // namespace fjord::broker
