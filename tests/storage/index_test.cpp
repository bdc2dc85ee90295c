#include <gtest/gtest.h>

#include <filesystem>

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "storage/log/mapped_index.h"
#include "storage/log/offset_index.h"
#include "storage/log/offset_map.h"
#include "storage/log/time_index.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

TEST(OffsetIndexTest, LookupFindsLargestEntryAtOrBelow) {
  test::TempDir d;
  OffsetIndex idx;
  ASSERT_EQ(idx.open(d.path() + "/a.index", 100, 80), Errc::ok);
  EXPECT_EQ(idx.lookup(500).offset, 100);  // empty -> base
  EXPECT_EQ(idx.lookup(500).position, 0u);
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(idx.append(100 + i * 10, uint32_t(i * 1000)));
  EXPECT_TRUE(idx.full());
  EXPECT_FALSE(idx.append(300, 20000));
  EXPECT_EQ(idx.lookup(105).position, 0u);
  EXPECT_EQ(idx.lookup(110).position, 1000u);
  EXPECT_EQ(idx.lookup(155).position, 5000u);
  EXPECT_EQ(idx.lookup(9999).position, 10000u);
  EXPECT_EQ(idx.lookup_position(5500).offset, 150);
  EXPECT_FALSE(idx.append(150, 99999));  // offsets must grow
  idx.truncate_to_offset(150);
  EXPECT_EQ(idx.entries(), 4u);
  EXPECT_TRUE(idx.sane(20000));
  EXPECT_FALSE(idx.sane(3000));  // positions beyond the log
  ASSERT_EQ(idx.file().trim(), Errc::ok);
  EXPECT_EQ(std::filesystem::file_size(d.path() + "/a.index"), 32u);
}

TEST(TimeIndexTest, OnlyGrowingTimestampsAreRecorded) {
  test::TempDir d;
  TimeIndex idx;
  ASSERT_EQ(idx.open(d.path() + "/a.timeindex", 0, 120), Errc::ok);
  EXPECT_TRUE(idx.maybe_append(1000, 5));
  EXPECT_TRUE(idx.maybe_append(900, 8));  // not larger: skipped
  EXPECT_TRUE(idx.maybe_append(2000, 9));
  EXPECT_EQ(idx.entries(), 2u);
  EXPECT_EQ(idx.lookup(1500).offset, 5);
  EXPECT_EQ(idx.lookup(999).offset, 0);
  EXPECT_EQ(idx.lookup(999).timestamp, -1);
  EXPECT_EQ(idx.last().timestamp, 2000);
  EXPECT_TRUE(idx.sane(10));
  EXPECT_FALSE(idx.sane(9));
}

TEST(OffsetMapTest, KeepsLatestAndRespectsBudget) {
  OffsetMap m(24 * 100);
  auto a = OffsetMap::hash_key("a"), b = OffsetMap::hash_key("b");
  EXPECT_NE(a, b);
  EXPECT_EQ(m.get(a), -1);
  EXPECT_TRUE(m.put(a, 1));
  EXPECT_TRUE(m.put(a, 7));
  EXPECT_EQ(m.get(a), 7);
  EXPECT_EQ(m.size(), 1u);
  int added = 0;
  while (m.put(OffsetMap::hash_key("k" + std::to_string(added)), added)) ++added;
  EXPECT_EQ(m.size(), 90u);
  EXPECT_TRUE(m.full());
  EXPECT_TRUE(m.put(a, 9));  // updates still work when full
}

}  // namespace
}  // namespace fjord::storage

namespace fjord::storage {
namespace {

// The first append into a fresh, mostly-hole index must fault in about one
// page, not a whole read-around window (read_ahead_kb, e.g. 8 MiB of zeroes):
// with 1000 partitions x 100 producers that zero-filling starved the network
// threads. Counts resident pages of the mapping with mincore().
TEST(MappedIndexTest, FirstAppendFaultsInFewPages) {
  test::TempDir dir;
  constexpr size_t kEntry = 8;
  constexpr size_t kCapacity = 10 * 1024 * 1024;  // segment.index.bytes default
  MappedIndex idx;
  ASSERT_EQ(idx.open(dir.path() + "/00000000000000000000.index", kEntry, kCapacity), Errc::ok);
  const uint8_t entry[kEntry] = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(idx.append(entry));
  const long page = ::sysconf(_SC_PAGESIZE);
  const size_t pages = (kCapacity + size_t(page) - 1) / size_t(page);
  std::vector<unsigned char> resident(pages);
  ASSERT_EQ(::mincore(const_cast<uint8_t*>(idx.entry(0)), kCapacity, resident.data()), 0);
  size_t n = 0;
  for (unsigned char r : resident) n += r & 1;
  EXPECT_LE(n, 16u) << "pages resident after one 8-byte append";
  EXPECT_EQ(std::memcmp(idx.entry(0), entry, kEntry), 0);
}

}  // namespace
}  // namespace fjord::storage
