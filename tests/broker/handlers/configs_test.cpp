// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs over ConfigManager.
#include <gtest/gtest.h>

#include "handler_fixture.h"
#include "protocol/messages/alter_configs_request.h"
#include "protocol/messages/alter_configs_response.h"
#include "protocol/messages/describe_configs_request.h"
#include "protocol/messages/describe_configs_response.h"
#include "protocol/messages/incremental_alter_configs_request.h"
#include "protocol/messages/incremental_alter_configs_response.h"

namespace fjord::broker {
namespace {

using Described = protocol::DescribeConfigsResponse::DescribeConfigsResult;

class ConfigsTest : public HandlersTest {
 protected:
  Described describe(int8_t type, const std::string& name, int16_t v = 4, bool synonyms = true) {
    protocol::DescribeConfigsRequest req;
    auto& r = req.resources.emplace_back();
    r.resource_type = type;
    r.resource_name = name;
    r.configuration_keys = std::nullopt;
    req.include_synonyms = synonyms;
    req.include_documentation = true;
    auto resp = roundtrip<protocol::DescribeConfigsResponse>(req, v);
    EXPECT_EQ(resp.results.size(), 1u);
    return resp.results.at(0);
  }
  static const protocol::DescribeConfigsResponse::DescribeConfigsResourceResult* entry(const Described& d,
                                                                                       const std::string& name) {
    for (const auto& c : d.configs)
      if (c.name == name) return &c;
    return nullptr;
  }
  int16_t incremental(int8_t type, const std::string& name, const std::string& key, int8_t op,
                      std::optional<std::string> value, bool validate_only = false) {
    protocol::IncrementalAlterConfigsRequest req;
    auto& r = req.resources.emplace_back();
    r.resource_type = type;
    r.resource_name = name;
    r.configs.push_back({key, op, std::move(value)});
    req.validate_only = validate_only;
    return roundtrip<protocol::IncrementalAlterConfigsResponse>(req, 1).responses.at(0).error_code;
  }
};

TEST_F(ConfigsTest, TopicOverridesAreDescribedWithTheirSource) {
  ASSERT_EQ(create("t", 1, 1).topics[0].error_code, 0);
  EXPECT_EQ(incremental(2, "t", "retention.ms", 0, "1000"), 0);
  for (int16_t v = 0; v <= 4; ++v) {
    auto d = describe(2, "t", v);
    EXPECT_EQ(d.error_code, 0);
    auto* r = entry(d, "retention.ms");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->value, "1000");
    if (v == 0) {
      EXPECT_FALSE(r->is_default);
    }
    if (v >= 1) {
      EXPECT_EQ(r->config_source, 1);
      ASSERT_FALSE(r->synonyms.empty());
      EXPECT_EQ(r->synonyms[0].source, 1);
    }
    if (v >= 3) {
      EXPECT_EQ(r->config_type, 5);  // LONG
      EXPECT_FALSE(r->documentation.value_or("").empty());
    }
  }
  EXPECT_EQ(logs_->topic("t")->config.retention_ms, 1000);
  EXPECT_EQ(incremental(2, "t", "retention.ms", 1, std::nullopt), 0);
  EXPECT_EQ(logs_->topic("t")->config.retention_ms, 7 * 24 * 3600 * 1000LL);
  EXPECT_EQ(describe(2, "missing").error_code, 3);
  EXPECT_EQ(describe(2, "bad name").error_code, 17);
}

TEST_F(ConfigsTest, LegacyAlterReplacesEveryOverride) {
  ASSERT_EQ(create("t", 1, 1).topics[0].error_code, 0);
  EXPECT_EQ(incremental(2, "t", "retention.ms", 0, "1000"), 0);
  protocol::AlterConfigsRequest req;
  auto& r = req.resources.emplace_back();
  r.resource_type = 2;
  r.resource_name = "t";
  r.configs.push_back({"segment.ms", "60000"});
  EXPECT_EQ(roundtrip<protocol::AlterConfigsResponse>(req, 2).responses.at(0).error_code, 0);
  auto overrides = logs_->topic("t")->overrides;
  EXPECT_EQ(overrides, (std::map<std::string, std::string>{{"segment.ms", "60000"}}));
  r.configs = {{"retention.ms", "x"}};
  auto resp = roundtrip<protocol::AlterConfigsResponse>(req, 0);
  EXPECT_EQ(resp.responses.at(0).error_code, 40);
  EXPECT_EQ(logs_->topic("t")->overrides, overrides);
}

TEST_F(ConfigsTest, BrokerKeysDynamicOrNot) {
  ASSERT_EQ(create("t", 1, 1).topics[0].error_code, 0);
  EXPECT_EQ(incremental(4, "0", "log.dirs", 0, "/x"), 42);
  EXPECT_EQ(incremental(4, "0", "message.max.bytes", 0, "oops"), 42);
  EXPECT_EQ(incremental(4, "5", "message.max.bytes", 0, "100"), 42);
  EXPECT_EQ(incremental(4, "0", "message.max.bytes", 0, "100", true), 0);
  EXPECT_EQ(logs_->topic("t")->config.max_message_bytes, config_.message_max_bytes);  // validate_only
  EXPECT_EQ(incremental(4, "", "message.max.bytes", 0, "100"), 0);
  EXPECT_EQ(logs_->topic("t")->config.max_message_bytes, 100);
  auto d = describe(4, "0");
  auto* m = entry(d, "message.max.bytes");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->value, "100");
  EXPECT_EQ(m->config_source, 3);
  EXPECT_FALSE(m->read_only);
  EXPECT_TRUE(entry(d, "log.dirs")->read_only);
  EXPECT_EQ(describe(4, "7").error_code, 42);
}

TEST_F(ConfigsTest, BrokerLoggers) {
  auto d = describe(8, "0");
  ASSERT_EQ(d.error_code, 0);
  ASSERT_NE(entry(d, "root"), nullptr);
  EXPECT_EQ(entry(d, "root")->config_source, 6);
  EXPECT_EQ(incremental(8, "0", "root", 0, "LOUD"), 40);
  EXPECT_EQ(incremental(8, "0", "nope", 0, "INFO"), 40);
  EXPECT_EQ(incremental(8, "0", "root", 1, std::nullopt), 42);
  EXPECT_EQ(incremental(8, "0", "root", 2, "INFO"), 42);
  EXPECT_EQ(incremental(8, "0", "root", 0, "INFO"), 0);
  EXPECT_EQ(describe(8, "").error_code, 42);
}

}  // namespace
}  // namespace fjord::broker
