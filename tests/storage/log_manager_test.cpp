#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "storage/file_ops.h"
#include "storage/log/log_manager.h"
#include "storage/log/partition_metadata.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

namespace fs = std::filesystem;
using test::make_batch;
using test::slice_bytes;
using test::view_of;

StorageConfig config_for(const std::string& dir) {
  StorageConfig c;
  c.log_dirs = {dir};
  return c;
}

void append_durably(PartitionLog& log, int n) {
  for (int i = 0; i < n; ++i) {
    auto b = make_batch(2, 1000 + i);
    AppendInfo info;
    ASSERT_EQ(log.append(view_of(b), &info), Errc::ok);
    std::promise<bool> p;
    log.when_durable(info.last_offset, [&](bool ok) { p.set_value(ok); });
    ASSERT_TRUE(p.get_future().get());
  }
}

TEST(LogManagerTest, CreateTopicPersistsIdConfigAndData) {
  test::TempDir dir;
  protocol::Uuid id;
  {
    LogManager m(config_for(dir.path()));
    ASSERT_EQ(m.open(), Errc::ok);
    TopicInfo info;
    std::string err;
    ASSERT_EQ(m.create_topic("orders", 3, {{"retention.ms", "12345"}, {"cleanup.policy", "compact,delete"}}, &info,
                             &err),
              Errc::ok)
        << err;
    id = info.id;
    EXPECT_EQ(info.partitions, 3);
    EXPECT_EQ(info.config.retention_ms, 12345);
    EXPECT_TRUE(info.config.cleanup_compact);
    EXPECT_EQ(m.create_topic("orders", 1, {}, nullptr, &err), Errc::topic_exists);
    for (int p = 0; p < 3; ++p) {
      EXPECT_TRUE(fs::exists(dir.path() + "/orders-" + std::to_string(p) + "/" + offset_file_name(0, ".log")));
      EXPECT_EQ(read_partition_metadata(dir.path() + "/orders-" + std::to_string(p)), id);
    }
    append_durably(*m.partition("orders", 1), 10);
    m.shutdown();
    EXPECT_TRUE(fs::exists(dir.path() + "/.kafka_cleanshutdown"));
    EXPECT_TRUE(fs::exists(dir.path() + "/recovery-point-offset-checkpoint"));
  }
  LogManager m(config_for(dir.path()));
  ASSERT_EQ(m.open(), Errc::ok);
  EXPECT_FALSE(fs::exists(dir.path() + "/.kafka_cleanshutdown"));  // a crash from here on is unclean
  auto t = m.topic("orders");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->id, id);
  EXPECT_EQ(t->partitions, 3);
  EXPECT_EQ(t->config.retention_ms, 12345);
  EXPECT_EQ(t->overrides.at("cleanup.policy"), "compact,delete");
  ASSERT_TRUE(m.topic_by_id(id));
  EXPECT_EQ(m.partition("orders", 1)->log_end_offset(), 20);
  EXPECT_EQ(m.partition("orders", 1)->high_watermark(), 20);
  EXPECT_EQ(m.partition("orders", 3), nullptr);
}

TEST(LogManagerTest, ValidatesNamesPartitionsAndConfigs) {
  test::TempDir dir;
  LogManager m(config_for(dir.path()));
  ASSERT_EQ(m.open(), Errc::ok);
  std::string err;
  EXPECT_EQ(m.create_topic("bad name", 1, {}, nullptr, &err), Errc::invalid_topic);
  EXPECT_EQ(m.create_topic("..", 1, {}, nullptr, &err), Errc::invalid_topic);
  EXPECT_EQ(m.create_topic(std::string(250, 'a'), 1, {}, nullptr, &err), Errc::invalid_topic);
  EXPECT_EQ(m.create_topic("ok", 0, {}, nullptr, &err), Errc::invalid_partitions);
  EXPECT_EQ(m.create_topic("ok", 1, {{"no.such.config", "1"}}, nullptr, &err), Errc::invalid_config);
  EXPECT_NE(err.find("no.such.config"), std::string::npos);
  EXPECT_EQ(m.create_topic("ok", 1, {{"retention.ms", "abc"}}, nullptr, &err), Errc::invalid_config);
  EXPECT_NE(err.find("retention.ms"), std::string::npos);
  EXPECT_FALSE(m.topic("ok"));
  EXPECT_EQ(m.validate_topic("ok", 2, {}, nullptr, &err), Errc::ok);
  EXPECT_FALSE(m.topic("ok"));
}

TEST(LogManagerTest, DeleteTopicRemovesFilesAndAddPartitionsGrows) {
  test::TempDir dir;
  LogManager m(config_for(dir.path()));
  ASSERT_EQ(m.open(), Errc::ok);
  std::string err;
  ASSERT_EQ(m.create_topic("a", 2, {}, nullptr, &err), Errc::ok);
  auto p0 = m.partition("a", 0);
  append_durably(*p0, 3);
  ASSERT_EQ(m.add_partitions("a", 5), Errc::ok);
  EXPECT_EQ(m.topic("a")->partitions, 5);
  EXPECT_NE(m.partition("a", 4), nullptr);
  EXPECT_EQ(m.add_partitions("a", 3), Errc::invalid_partitions);
  ASSERT_EQ(m.delete_topic("a"), Errc::ok);
  EXPECT_FALSE(m.topic("a"));
  EXPECT_EQ(m.delete_topic("a"), Errc::unknown_topic);
  EXPECT_FALSE(fs::exists(dir.path() + "/a-0"));
  EXPECT_FALSE(fs::exists(dir.path() + "/a-4"));
  // Re-creating gives a fresh, empty topic with a new id.
  TopicInfo info;
  ASSERT_EQ(m.create_topic("a", 1, {}, &info, &err), Errc::ok);
  EXPECT_EQ(m.partition("a", 0)->log_end_offset(), 0);
}

TEST(LogManagerTest, AlterConfigAppliesAndPersists) {
  test::TempDir dir;
  {
    LogManager m(config_for(dir.path()));
    ASSERT_EQ(m.open(), Errc::ok);
    std::string err;
    ASSERT_EQ(m.create_topic("x", 1, {}, nullptr, &err), Errc::ok);
    ASSERT_EQ(m.alter_topic_config("x", {{"flush.messages", "1"}}), Errc::ok);
    EXPECT_FALSE(m.partition("x", 0)->config().durable_mode());
    EXPECT_EQ(m.alter_topic_config("x", {{"segment.ms", "0"}}, &err), Errc::invalid_config);
    EXPECT_EQ(m.alter_topic_config("nope", {}), Errc::unknown_topic);
  }
  LogManager m(config_for(dir.path()));
  ASSERT_EQ(m.open(), Errc::ok);
  EXPECT_EQ(m.topic("x")->overrides.at("flush.messages"), "1");
  EXPECT_EQ(m.partition("x", 0)->config().flush_messages, 1);
}

TEST(LogManagerTest, DeleteRecordsSurvivesRestart) {
  test::TempDir dir;
  {
    LogManager m(config_for(dir.path()));
    ASSERT_EQ(m.open(), Errc::ok);
    std::string err;
    ASSERT_EQ(m.create_topic("d", 1, {}, nullptr, &err), Errc::ok);
    append_durably(*m.partition("d", 0), 10);
    int64_t start;
    ASSERT_EQ(m.partition("d", 0)->delete_records_before(7, &start), Errc::ok);
    // No clean shutdown: the checkpoint written on the move must be enough.
    std::string text;
    ASSERT_TRUE(read_small_file(dir.path() + "/log-start-offset-checkpoint", &text));
    EXPECT_NE(text.find("d 0 7"), std::string::npos);
  }
  LogManager m(config_for(dir.path()));
  ASSERT_EQ(m.open(), Errc::ok);
  EXPECT_EQ(m.partition("d", 0)->log_start_offset(), 7);
  EXPECT_EQ(m.partition("d", 0)->read(6, 100).error, Errc::offset_out_of_range);
}

TEST(LogManagerTest, SpreadsPartitionsOverLogDirs) {
  test::TempDir a, b;
  StorageConfig c;
  c.log_dirs = {a.path(), b.path()};
  LogManager m(c);
  ASSERT_EQ(m.open(), Errc::ok);
  std::string err;
  ASSERT_EQ(m.create_topic("s", 4, {}, nullptr, &err), Errc::ok);
  int in_a = 0, in_b = 0;
  for (int p = 0; p < 4; ++p) {
    in_a += fs::exists(a.path() + "/s-" + std::to_string(p));
    in_b += fs::exists(b.path() + "/s-" + std::to_string(p));
  }
  EXPECT_EQ(in_a, 2);
  EXPECT_EQ(in_b, 2);
}

TEST(LogManagerTest, CleanerRetentionRunsInBackground) {
  test::TempDir dir;
  StorageConfig c = config_for(dir.path());
  c.retention_check_interval_ms = 50;
  LogManager m(c);
  ASSERT_EQ(m.open(), Errc::ok);
  std::string err;
  ASSERT_EQ(m.create_topic("r", 1, {{"segment.bytes", "1000"}, {"retention.bytes", "1500"}}, nullptr, &err),
            Errc::ok);
  auto log = m.partition("r", 0);
  append_durably(*log, 60);
  for (int i = 0; i < 100 && log->size_bytes() > 2500; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_LE(log->size_bytes(), 2500);
  EXPECT_GT(log->log_start_offset(), 0);
}

}  // namespace
}  // namespace fjord::storage
