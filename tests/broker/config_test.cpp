#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "broker/cluster/meta_properties.h"
#include "broker/config/properties.h"
#include "broker/config/server_config.h"

namespace fjord::broker {
namespace {

ConfigResult parse(const std::string& text) { return parse_server_config(parse_properties(text)); }

TEST(Properties, CommentsSeparatorsAndContinuations) {
  auto p = parse_properties("# c\n! c2\n a = 1 \nb:2\r\nc=x\\\n  y\n\nd\n");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(p[1], (std::pair<std::string, std::string>{"b", "2"}));
  EXPECT_EQ(p[2], (std::pair<std::string, std::string>{"c", "xy"}));
  EXPECT_EQ(p[3], (std::pair<std::string, std::string>{"d", ""}));
}

TEST(ServerConfig, ParsesKafkaKeys) {
  auto r = parse(
      "listeners=PLAINTEXT://127.0.0.1:0\n"
      "advertised.listeners=PLAINTEXT://localhost:19092\n"
      "broker.id=3\n"
      "log.dirs=/tmp/a, /tmp/b\n"
      "num.partitions=4\n"
      "auto.create.topics.enable=false\n"
      "log.retention.hours=1\n"
      "log.segment.bytes=1048576\n"
      "message.max.bytes=2000000\n"
      "num.network.threads=2\n"
      "delete.topic.enable=false\n"
      "connections.max.idle.ms=5000\n"
      "log.flush.interval.messages=10\n"
      "fjord.log.cache.window.bytes=0\n");
  ASSERT_TRUE(r.config) << r.error;
  const auto& c = *r.config;
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].port, 0);
  ASSERT_EQ(c.advertised_listeners.size(), 1u);
  EXPECT_EQ(c.advertised_listeners[0].host, "localhost");
  EXPECT_EQ(c.advertised_listeners[0].port, 19092);
  EXPECT_EQ(c.node_id, 3);
  EXPECT_EQ(c.log_dirs, (std::vector<std::string>{"/tmp/a", "/tmp/b"}));
  EXPECT_EQ(c.num_partitions, 4);
  EXPECT_FALSE(c.auto_create_topics_enable);
  EXPECT_EQ(c.log_retention_ms, 3600000);
  EXPECT_EQ(c.log_segment_bytes, 1048576);
  EXPECT_EQ(c.message_max_bytes, 2000000);
  EXPECT_EQ(c.num_network_threads, 2);
  EXPECT_FALSE(c.delete_topic_enable);
  EXPECT_EQ(c.connections_max_idle_ms, 5000);
  EXPECT_EQ(c.log_flush_interval_messages, 10);
  EXPECT_EQ(c.log_cache_window_bytes, 0);
}

TEST(ServerConfig, RetentionPrecedenceIgnoresLineOrder) {
  auto r = parse("log.retention.ms=1234\nlog.retention.hours=5\nlog.retention.minutes=2\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->log_retention_ms, 1234);
  r = parse("log.retention.hours=5\nlog.retention.minutes=2\n");
  EXPECT_EQ(r.config->log_retention_ms, 120000);
  r = parse("log.retention.hours=-1\n");
  EXPECT_EQ(r.config->log_retention_ms, -1);
}

TEST(ServerConfig, LogDirsBeatsLogDirAndLaterLinesWin) {
  auto r = parse("log.dirs=/x\nlog.dir=/y\nnum.partitions=2\nnum.partitions=7\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->log_dirs, std::vector<std::string>{"/x"});
  EXPECT_EQ(r.config->num_partitions, 7);
}

TEST(ServerConfig, UnknownKeyIsAWarning) {
  auto r = parse("num.partitions=2\nno.such.key=1\n");
  ASSERT_TRUE(r.config);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("no.such.key"), std::string::npos);
}

TEST(ServerConfig, InvalidValueIsAnErrorNamingTheKey) {
  for (const char* bad : {"num.partitions=zero", "num.partitions=0", "message.max.bytes=-5",
                          "auto.create.topics.enable=maybe", "listeners=127.0.0.1:9092",
                          "listeners=PLAINTEXT://127.0.0.1:99999", "log.segment.bytes=1e9",
                          "fjord.log.level=loud", "num.network.threads=3x",
                          "fjord.log.cache.window.bytes=-1"}) {
    auto r = parse(bad);
    EXPECT_FALSE(r.config) << bad;
    std::string key = std::string(bad).substr(0, std::string(bad).find('='));
    EXPECT_NE(r.error.find("'" + key + "'"), std::string::npos) << r.error;
  }
}

TEST(ServerConfig, NodeIdAndBrokerIdMustAgree) {
  EXPECT_FALSE(parse("node.id=1\nbroker.id=2\n").config);
  auto r = parse("node.id=4\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->node_id, 4);
}

TEST(ServerConfig, SeveralListenersAndKafkasListenerRules) {
  // Kafka's KRaft sample: a client listener, a controller listener (not served
  // to clients here) and a protocol map.
  auto r = parse(
      "listeners=PLAINTEXT://127.0.0.1:9092,INTERNAL://127.0.0.1:19093,CONTROLLER://127.0.0.1:9093\n"
      "controller.listener.names=CONTROLLER\n"
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT\n"
      "advertised.listeners=INTERNAL://broker-1.internal:19093\n");
  ASSERT_TRUE(r.config) << r.error;
  ASSERT_EQ(r.config->listeners.size(), 2u);
  EXPECT_EQ(r.config->listeners[0].name, "PLAINTEXT");
  EXPECT_EQ(r.config->listeners[1].name, "INTERNAL");
  EXPECT_EQ(r.config->listeners[1].port, 19093);
  ASSERT_EQ(r.config->advertised_listeners.size(), 1u);
  EXPECT_EQ(r.config->advertised_listeners[0].host, "broker-1.internal");
  EXPECT_TRUE(r.warnings.empty());

  struct Bad {
    const char* text;
    const char* names;  // the key the error must name
  } bad[] = {
      {"listeners=PLAINTEXT://:9092,PLAINTEXT://:9093\n", "'listeners'"},
      {"listeners=A://:9092,B://:9092\nlistener.security.protocol.map=A:PLAINTEXT,B:PLAINTEXT\n", "'listeners'"},
      {"listeners=INTERNAL://:9092\n", "'listener.security.protocol.map'"},
      {"listeners=SSL://:9093\n", "'listeners'"},
      {"listeners=EXT://:9093\nlistener.security.protocol.map=EXT:SASL_SSL\n", "'listeners'"},
      {"listeners=PLAINTEXT://:9092\nadvertised.listeners=OTHER://h:1\n", "'advertised.listeners'"},
      {"listeners=CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n", "'listeners'"},
      {"listener.security.protocol.map=A:TLS\n", "'listener.security.protocol.map'"},
  };
  for (const Bad& b : bad) {
    auto e = parse(b.text);
    EXPECT_FALSE(e.config) << b.text;
    EXPECT_NE(e.error.find(b.names), std::string::npos) << b.text << " -> " << e.error;
  }
}

TEST(ServerConfig, OverridesApplyAfterTheFile) {
  auto dir = std::filesystem::temp_directory_path() / ("fjord-config-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "server.properties";
  std::ofstream(file) << "num.partitions=3\nlisteners=PLAINTEXT://127.0.0.1:9092\n";
  auto r = load_server_config(file.string(), {"num.partitions=5", "listeners=PLAINTEXT://127.0.0.1:0"});
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->num_partitions, 5);
  EXPECT_EQ(r.config->listeners[0].port, 0);
  EXPECT_FALSE(load_server_config(file.string(), {"novalue"}).config);
  EXPECT_FALSE(load_server_config((dir / "missing").string(), {}).config);
  std::filesystem::remove_all(dir);
}

TEST(MetaProperties, ClusterIdIsPersistedAndReused) {
  auto dir = std::filesystem::temp_directory_path() / ("fjord-meta-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string a = load_or_create_cluster_id({dir.string()}, 1);
  EXPECT_EQ(a.size(), 22u);
  EXPECT_TRUE(std::filesystem::exists(dir / "meta.properties"));
  EXPECT_EQ(load_or_create_cluster_id({dir.string()}, 1), a);
  EXPECT_THROW(load_or_create_cluster_id({dir.string()}, 2), std::runtime_error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fjord::broker
