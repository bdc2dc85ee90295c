// LeaderEpochCache against Kafka's LeaderEpochFileCache semantics and its
// leader-epoch-checkpoint format.
#include "storage/log/leader_epoch_cache.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/file_ops.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

using test::TempDir;

std::string file_text(const LeaderEpochCache& cache) {
  std::string text;
  EXPECT_TRUE(read_small_file(cache.path(), &text));
  return text;
}

TEST(LeaderEpochCacheTest, AssignWritesKafkasFormat) {
  TempDir dir;
  auto cache = LeaderEpochCache::load(dir.path());
  EXPECT_FALSE(cache->latest());
  EXPECT_FALSE(file_exists(cache->path()));
  ASSERT_EQ(cache->assign(0, 0), Errc::ok);
  EXPECT_EQ(file_text(*cache), "0\n1\n0 0\n");
  // The same epoch again at a later offset changes nothing.
  ASSERT_EQ(cache->assign(0, 10), Errc::ok);
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{0, 0}}));
  ASSERT_EQ(cache->assign(2, 10), Errc::ok);
  ASSERT_EQ(cache->assign(5, 25), Errc::ok);
  EXPECT_EQ(file_text(*cache), "0\n3\n0 0\n2 10\n5 25\n");
  EXPECT_FALSE(file_exists(cache->path() + ".tmp"));
  EXPECT_EQ(cache->latest(), (EpochEntry{5, 25}));
  EXPECT_EQ(cache->earliest(), (EpochEntry{0, 0}));
  EXPECT_EQ(cache->assign(-1, 3), Errc::invalid_request);
  EXPECT_EQ(cache->assign(1, -1), Errc::invalid_request);

  auto reloaded = LeaderEpochCache::load(dir.path());
  EXPECT_EQ(reloaded->entries(), cache->entries());
}

TEST(LeaderEpochCacheTest, AssignDropsEntriesThatWouldBreakTheOrder) {
  TempDir dir;
  auto cache = LeaderEpochCache::load(dir.path());
  ASSERT_EQ(cache->assign(1, 0), Errc::ok);
  ASSERT_EQ(cache->assign(3, 10), Errc::ok);
  ASSERT_EQ(cache->assign(4, 20), Errc::ok);
  // A lower epoch: every entry with epoch >= 3 goes.
  ASSERT_EQ(cache->assign(3, 15), Errc::ok);
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{1, 0}, {3, 15}}));
  // A higher epoch at a lower offset: entries starting at or after it go.
  ASSERT_EQ(cache->assign(6, 12), Errc::ok);
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{1, 0}, {6, 12}}));
  // The latest epoch at an earlier offset moves its start back.
  ASSERT_EQ(cache->assign(6, 11), Errc::ok);
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{1, 0}, {6, 11}}));
  EXPECT_EQ(file_text(*cache), "0\n2\n1 0\n6 11\n");
}

TEST(LeaderEpochCacheTest, EndOffsetForAsKafka) {
  TempDir dir;
  auto cache = LeaderEpochCache::load(dir.path());
  using P = std::pair<int32_t, int64_t>;
  EXPECT_EQ(cache->end_offset_for(0, 100), (P{-1, -1}));  // nothing known
  ASSERT_EQ(cache->assign(2, 10), Errc::ok);
  ASSERT_EQ(cache->assign(4, 30), Errc::ok);
  ASSERT_EQ(cache->assign(7, 50), Errc::ok);
  EXPECT_EQ(cache->end_offset_for(-1, 100), (P{-1, -1}));  // undefined epoch
  EXPECT_EQ(cache->end_offset_for(7, 100), (P{7, 100}));   // the latest: the log end
  EXPECT_EQ(cache->end_offset_for(2, 100), (P{2, 30}));    // ends where the next starts
  EXPECT_EQ(cache->end_offset_for(4, 100), (P{4, 50}));
  EXPECT_EQ(cache->end_offset_for(3, 100), (P{2, 30}));    // unknown, between: the epoch before it
  EXPECT_EQ(cache->end_offset_for(5, 100), (P{4, 50}));
  EXPECT_EQ(cache->end_offset_for(1, 100), (P{1, 10}));    // below all: the first start
  EXPECT_EQ(cache->end_offset_for(8, 100), (P{-1, -1}));   // above the latest
}

TEST(LeaderEpochCacheTest, TruncateFromEndDropsEntriesStartingThereOrLater) {
  TempDir dir;
  auto cache = LeaderEpochCache::load(dir.path());
  ASSERT_EQ(cache->assign(0, 0), Errc::ok);
  ASSERT_EQ(cache->assign(1, 10), Errc::ok);
  ASSERT_EQ(cache->assign(2, 20), Errc::ok);
  ASSERT_EQ(cache->truncate_from_end(25), Errc::ok);  // nothing starts at 25 or later
  EXPECT_EQ(cache->entries().size(), 3u);
  ASSERT_EQ(cache->truncate_from_end(10), Errc::ok);
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{0, 0}}));
  EXPECT_EQ(file_text(*cache), "0\n1\n0 0\n");
  ASSERT_EQ(cache->truncate_from_end(0), Errc::ok);
  EXPECT_TRUE(cache->entries().empty());
  EXPECT_EQ(file_text(*cache), "0\n0\n");
}

TEST(LeaderEpochCacheTest, TruncateFromStartMovesTheFirstEntry) {
  TempDir dir;
  auto cache = LeaderEpochCache::load(dir.path());
  ASSERT_EQ(cache->assign(0, 0), Errc::ok);
  ASSERT_EQ(cache->assign(1, 10), Errc::ok);
  ASSERT_EQ(cache->assign(2, 20), Errc::ok);
  ASSERT_EQ(cache->truncate_from_start(5), Errc::ok);
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{0, 5}, {1, 10}, {2, 20}}));
  // Exclusive, as Kafka's: an entry starting exactly there stays.
  ASSERT_EQ(cache->truncate_from_start(10), Errc::ok);
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{1, 10}, {2, 20}}));
  ASSERT_EQ(cache->truncate_from_start(27), Errc::ok);
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{2, 27}}));
  EXPECT_EQ(file_text(*cache), "0\n1\n2 27\n");
  ASSERT_EQ(cache->clear(), Errc::ok);
  EXPECT_EQ(file_text(*cache), "0\n0\n");
}

TEST(LeaderEpochCacheTest, MalformedFilesLoadEmpty) {
  for (const char* text : {"", "1\n1\n0 0\n", "0\n2\n0 0\n", "0\n1\n0\n", "0\n1\n0 0 0\n", "0\n1\nx 0\n",
                           "0\n1\n-2 0\n", "0\nx\n"}) {
    TempDir dir;
    ASSERT_EQ(write_file_atomic(dir.path() + "/leader-epoch-checkpoint", text), Errc::ok);
    bool malformed = false;
    auto cache = LeaderEpochCache::load(dir.path(), &malformed);
    EXPECT_TRUE(malformed) << text;
    EXPECT_TRUE(cache->entries().empty()) << text;
  }
  TempDir dir;
  bool malformed = true;
  LeaderEpochCache::load(dir.path(), &malformed);
  EXPECT_FALSE(malformed);  // missing is not malformed
  // Kafka's reader keeps the entries in order, as assign would.
  EXPECT_EQ(LeaderEpochCache::parse("0\n3\n0 0\n3 10\n2 20\n"), (std::vector<EpochEntry>{{0, 0}, {2, 20}}));
  EXPECT_EQ(LeaderEpochCache::parse("0\n0\n"), std::vector<EpochEntry>{});
}

}  // namespace
}  // namespace fjord::storage
