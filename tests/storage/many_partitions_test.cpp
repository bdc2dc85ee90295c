// A topic with many partitions: creation, reopen (clean and unclean) and
// delete must keep every partition. No timing assertions; the figures live in
// benchmarks/storage (BM_CreateTopic1000).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>

#include <spdlog/spdlog.h>

#include "storage/file_ops.h"
#include "storage/log/log_manager.h"
#include "storage/log/partition_metadata.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

namespace fs = std::filesystem;
using test::make_batch;
using test::view_of;

constexpr int kPartitions = 1000;

StorageConfig config_for(const std::string& dir) {
  StorageConfig c;
  c.log_dirs = {dir};
  return c;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void append_one_durably(PartitionLog& log, int64_t ts) {
  auto b = make_batch(1, ts);
  AppendInfo info;
  ASSERT_EQ(log.append(view_of(b), &info), Errc::ok);
  std::promise<bool> p;
  log.when_durable(info.last_offset, [&](bool ok) { p.set_value(ok); });
  ASSERT_TRUE(p.get_future().get());
}

void expect_topic_complete(LogManager& m, const std::string& dir, const protocol::Uuid& id) {
  auto info = m.topic("wide");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->id, id);
  EXPECT_EQ(info->partitions, kPartitions);
  for (int p = 0; p < kPartitions; ++p) {
    auto log = m.partition("wide", p);
    ASSERT_NE(log, nullptr) << p;
    std::string pdir = dir + "/wide-" + std::to_string(p);
    ASSERT_EQ(read_partition_metadata(pdir), id) << p;
    ASSERT_TRUE(fs::exists(pdir + "/" + offset_file_name(0, ".log"))) << p;
  }
}

TEST(ManyPartitionsTest, ThousandPartitionTopicSurvivesReopenAndDeletes) {
  test::TempDir dir;
  protocol::Uuid id;
  {
    LogManager m(config_for(dir.path()));
    ASSERT_EQ(m.open(), Errc::ok);
    TopicInfo info;
    std::string err;
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(m.create_topic("wide", kPartitions, {}, &info, &err), Errc::ok) << err;
    spdlog::info("many_partitions_test: create_topic({}) took {:.3f} s", kPartitions, seconds_since(t0));
    id = info.id;
    EXPECT_EQ(m.create_topic("wide", 1, {}, nullptr, &err), Errc::topic_exists);
    expect_topic_complete(m, dir.path(), id);
    append_one_durably(*m.partition("wide", 0), 1000);
    append_one_durably(*m.partition("wide", kPartitions - 1), 2000);
    // Simulate a crash right after creation: no shutdown, no clean marker.
    // The partitions must be there on reopen all the same.
  }
  fs::remove(dir.path() + "/.kafka_cleanshutdown");
  {
    LogManager m(config_for(dir.path()));
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(m.open(), Errc::ok);
    spdlog::info("many_partitions_test: open after unclean stop took {:.3f} s", seconds_since(t0));
    expect_topic_complete(m, dir.path(), id);
    EXPECT_EQ(m.partition("wide", 0)->log_end_offset(), 1);
    EXPECT_EQ(m.partition("wide", kPartitions - 1)->log_end_offset(), 1);
    EXPECT_EQ(m.partition("wide", 1)->log_end_offset(), 0);
    m.shutdown();
  }
  {
    LogManager m(config_for(dir.path()));
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(m.open(), Errc::ok);
    spdlog::info("many_partitions_test: clean open took {:.3f} s", seconds_since(t0));
    expect_topic_complete(m, dir.path(), id);
    EXPECT_EQ(m.partition("wide", kPartitions - 1)->log_end_offset(), 1);
    t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(m.delete_topic("wide"), Errc::ok);
    spdlog::info("many_partitions_test: delete_topic took {:.3f} s", seconds_since(t0));
    EXPECT_FALSE(m.topic("wide").has_value());
    m.shutdown();
  }
  for (auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().rfind("wide-", 0), std::string::npos) << e.path();
  LogManager m(config_for(dir.path()));
  ASSERT_EQ(m.open(), Errc::ok);
  EXPECT_FALSE(m.topic("wide").has_value());
}

// create_topic works without holding the topic map lock; the name must still
// be reserved so two concurrent creates of one name cannot both succeed.
TEST(ManyPartitionsTest, ConcurrentCreatesOfOneNameCreateItOnce) {
  test::TempDir dir;
  LogManager m(config_for(dir.path()));
  ASSERT_EQ(m.open(), Errc::ok);
  std::vector<std::future<Errc>> creates;
  for (int i = 0; i < 4; ++i)
    creates.push_back(std::async(std::launch::async, [&m] {
      std::string err;
      return m.create_topic("same", 100, {}, nullptr, &err);
    }));
  int ok = 0, exists = 0;
  for (auto& f : creates) {
    Errc e = f.get();
    ok += e == Errc::ok;
    exists += e == Errc::topic_exists;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(exists, 3);
  auto info = m.topic("same");
  ASSERT_TRUE(info.has_value());
  for (int p = 0; p < 100; ++p) {
    ASSERT_NE(m.partition("same", p), nullptr) << p;
    EXPECT_EQ(read_partition_metadata(dir.path() + "/same-" + std::to_string(p)), info->id) << p;
  }
}

}  // namespace
}  // namespace fjord::storage
