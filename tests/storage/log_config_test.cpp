#include <gtest/gtest.h>

#include "storage/log/log_config.h"

namespace fjord::storage {
namespace {

TEST(LogConfigTest, ParsesKafkaNames) {
  LogConfig c;
  std::string err;
  ASSERT_EQ(LogConfig::parse(LogConfig{},
                             {{"segment.bytes", "1048576"},
                              {"retention.ms", "-1"},
                              {"cleanup.policy", "compact"},
                              {"message.timestamp.type", "LogAppendTime"},
                              {"min.cleanable.dirty.ratio", "0.2"},
                              {"flush.ms", "1000"}},
                             &c, &err),
            Errc::ok)
      << err;
  EXPECT_EQ(c.segment_bytes, 1048576);
  EXPECT_EQ(c.retention_ms, -1);
  EXPECT_TRUE(c.cleanup_compact);
  EXPECT_FALSE(c.cleanup_delete);
  EXPECT_TRUE(c.log_append_time);
  EXPECT_DOUBLE_EQ(c.min_cleanable_dirty_ratio, 0.2);
  EXPECT_FALSE(c.durable_mode());
  EXPECT_TRUE(LogConfig{}.durable_mode());
}

TEST(LogConfigTest, RejectsBadValuesNamingTheKey) {
  LogConfig c;
  std::string err;
  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{{"segment.bytes", "13"},
                                                                      {"segment.bytes", "x"},
                                                                      {"retention.ms", "-2"},
                                                                      {"cleanup.policy", "shred"},
                                                                      {"min.cleanable.dirty.ratio", "1.5"},
                                                                      {"message.timestamp.type", "Now"},
                                                                      {"flush.messages", "0"},
                                                                      {"max.message.bytes", "99999999999"},
                                                                      {"unknown.key", "1"}}) {
    err.clear();
    EXPECT_EQ(LogConfig::parse(LogConfig{}, {{k, v}}, &c, &err), Errc::invalid_config) << k << "=" << v;
    EXPECT_NE(err.find(k), std::string::npos) << err;
  }
}

TEST(LogConfigTest, DescribeMarksOverrides) {
  LogConfig c;
  std::string err;
  std::map<std::string, std::string> ov{{"retention.ms", "5"}};
  ASSERT_EQ(LogConfig::parse(LogConfig{}, ov, &c, &err), Errc::ok);
  auto entries = c.describe(ov);
  bool found = false;
  for (auto& e : entries) {
    if (e.name == "retention.ms") {
      found = true;
      EXPECT_FALSE(e.is_default);
      EXPECT_EQ(e.value, "5");
    } else {
      EXPECT_TRUE(e.is_default) << e.name;
    }
    if (e.name == "segment.bytes") { EXPECT_EQ(e.value, "1073741824"); }
    if (e.name == "cleanup.policy") { EXPECT_EQ(e.value, "delete"); }
  }
  EXPECT_TRUE(found);
  EXPECT_GT(entries.size(), 20u);
}

}  // namespace
}  // namespace fjord::storage
