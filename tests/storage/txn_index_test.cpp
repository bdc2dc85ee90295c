// TxnIndex: Kafka's .txnindex entries and the read-committed lookups.
#include "storage/log/txn_index.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "test_support.h"

namespace fjord::storage {
namespace {

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(TxnIndexTest, EntriesAreKafkasAbortedTxnFormat) {
  test::TempDir dir;
  const std::string path = dir.path() + "/00000000000000000000.txnindex";
  TxnIndex index;
  ASSERT_EQ(index.open(path), Errc::ok);
  EXPECT_FALSE(std::filesystem::exists(path));  // created with the first entry, as Kafka's
  ASSERT_EQ(index.append({0x0a, 3, 7, 8}), Errc::ok);
  const std::vector<uint8_t> want = {0, 0,                        // version
                                     0, 0, 0, 0, 0, 0, 0, 0x0a,   // producer id
                                     0, 0, 0, 0, 0, 0, 0, 3,      // first offset
                                     0, 0, 0, 0, 0, 0, 0, 7,      // last offset
                                     0, 0, 0, 0, 0, 0, 0, 8};     // last stable offset
  EXPECT_EQ(file_bytes(path), want);
  TxnIndex again;
  ASSERT_EQ(again.open(path), Errc::ok);
  ASSERT_EQ(again.entries().size(), 1u);
  EXPECT_EQ(again.entries()[0], (AbortedTxn{0x0a, 3, 7, 8}));
}

TEST(TxnIndexTest, TruncationDropsEntriesWhoseMarkerGoes) {
  test::TempDir dir;
  const std::string path = dir.path() + "/x.txnindex";
  TxnIndex index;
  ASSERT_EQ(index.open(path), Errc::ok);
  ASSERT_EQ(index.append({1, 0, 5, 6}), Errc::ok);
  ASSERT_EQ(index.append({2, 3, 9, 10}), Errc::ok);
  ASSERT_EQ(index.truncate_to(9), Errc::ok);
  EXPECT_EQ(index.entries().size(), 1u);
  EXPECT_EQ(file_bytes(path).size(), TxnIndex::kEntrySize);
}

TEST(TxnIndexTest, CollectFindsOverlappingAbortsAndStopsOnceStable) {
  test::TempDir dir;
  TxnIndex index;
  ASSERT_EQ(index.open(dir.path() + "/y.txnindex"), Errc::ok);
  ASSERT_EQ(index.append({1, 0, 5, 6}), Errc::ok);
  ASSERT_EQ(index.append({2, 10, 20, 21}), Errc::ok);
  ASSERT_EQ(index.append({3, 30, 40, 41}), Errc::ok);
  std::vector<AbortedTxn> out;
  EXPECT_TRUE(index.collect(6, 21, &out));  // {2} overlaps; its stable offset reaches 21
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].producer_id, 2);
  out.clear();
  EXPECT_FALSE(index.collect(0, 100, &out));
  EXPECT_EQ(out.size(), 3u);
}

TEST(TxnIndexTest, ATornLastEntryIsCutOnOpen) {
  test::TempDir dir;
  const std::string path = dir.path() + "/z.txnindex";
  {
    TxnIndex index;
    ASSERT_EQ(index.open(path), Errc::ok);
    ASSERT_EQ(index.append({1, 0, 5, 6}), Errc::ok);
  }
  std::ofstream(path, std::ios::app | std::ios::binary) << "torn";
  TxnIndex index;
  ASSERT_EQ(index.open(path), Errc::ok);
  EXPECT_EQ(index.entries().size(), 1u);
  EXPECT_EQ(file_bytes(path).size(), TxnIndex::kEntrySize);
}

}  // namespace
}  // namespace fjord::storage
