#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "protocol/records/record_reader.h"
#include "storage/log/partition_log.h"
#include "storage/log/partition_metadata.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

using test::slice_bytes;
using test::view_of;

struct Rec {
  int64_t offset;
  std::string key;
  std::optional<std::string> value;
};

std::vector<Rec> all_records(PartitionLog& log) {
  std::vector<Rec> out;
  int64_t off = log.log_start_offset();
  std::vector<uint8_t> scratch;
  while (off < log.log_end_offset()) {
    auto bytes = slice_bytes(log.read(off, 1 << 20).slice);
    if (bytes.empty()) break;
    size_t pos = 0;
    while (pos < bytes.size()) {
      protocol::RecordBatchView v;
      EXPECT_EQ(protocol::RecordBatchView::parse(bytes.data() + pos, bytes.size() - pos, &v), protocol::BatchError::ok);
      EXPECT_TRUE(v.crc_valid());
      protocol::RecordReader rr;
      EXPECT_EQ(rr.open(v, scratch), protocol::BatchError::ok);
      protocol::Record r;
      while (rr.next(&r))
        out.push_back({r.offset, std::string(r.key.view()),
                       r.value.is_null() ? std::nullopt : std::optional<std::string>(std::string(r.value.view()))});
      off = v.last_offset() + 1;
      pos += v.total_size();
    }
  }
  return out;
}

std::vector<uint8_t> batch(const std::vector<std::pair<std::string, std::optional<std::string>>>& recs, int64_t ts,
                           protocol::Compression c = protocol::Compression::none) {
  protocol::BatchOptions o;
  o.compression = c;
  protocol::RecordBatchBuilder b(o);
  for (auto& [k, v] : recs) b.add(ts, k, v ? std::optional<std::string_view>(*v) : std::nullopt);
  return b.build();
}

TEST(CompactionTest, KeepsLatestPerKeyWithOriginalOffsets) {
  test::TempDir dir;
  LogConfig cfg;
  cfg.cleanup_compact = true;
  cfg.cleanup_delete = false;
  cfg.segment_bytes = 1500;
  std::shared_ptr<PartitionLog> log;
  ASSERT_EQ(PartitionLog::open(dir.path() + "/c-0", "c", 0, random_topic_id(), cfg, true, nullptr, &log), Errc::ok);
  std::map<std::string, std::pair<int64_t, std::string>> latest;
  int64_t off = 0;
  for (int round = 0; round < 30; ++round) {
    std::vector<std::pair<std::string, std::optional<std::string>>> recs;
    for (int k = 0; k < 4; ++k) {
      std::string key = "key" + std::to_string((round * 3 + k) % 10);
      std::string val = "r" + std::to_string(round) + "-" + std::to_string(k);
      recs.emplace_back(key, val);
      latest[key] = {off++, val};
    }
    auto b = batch(recs, 1000 + round, round % 2 ? protocol::Compression::lz4 : protocol::Compression::none);
    ASSERT_EQ(log->append(view_of(b), nullptr), Errc::ok);
  }
  ASSERT_EQ(log->flush(), Errc::ok);
  auto before = all_records(*log);
  ASSERT_EQ(before.size(), 120u);
  size_t size_before = size_t(log->size_bytes());
  ASSERT_EQ(log->compact(0, 1 << 20, /*force=*/true), Errc::ok);
  EXPECT_LT(size_t(log->size_bytes()), size_before);
  auto after = all_records(*log);
  // Active segment untouched: all its records remain. Below it, only the
  // latest record per key among the cleanable (non-active) range.
  int64_t active_base = log->segment_bases().back();
  std::map<std::string, int64_t> latest_below;
  for (auto& r : before)
    if (r.offset < active_base) latest_below[r.key] = r.offset;
  std::map<std::string, int> seen;
  int64_t prev = -1;
  for (auto& r : after) {
    EXPECT_GT(r.offset, prev);
    prev = r.offset;
    if (r.offset < active_base) {
      EXPECT_EQ(latest_below[r.key], r.offset) << r.key;
    }
    seen[r.key]++;
  }
  // Every key's latest value survives with its original offset.
  for (auto& [k, v] : latest) {
    auto it = std::find_if(after.begin(), after.end(), [&, offset = v.first](const Rec& r) { return r.offset == offset; });
    ASSERT_NE(it, after.end()) << k;
    EXPECT_EQ(it->key, k);
    EXPECT_EQ(*it->value, v.second);
  }
  EXPECT_LT(after.size(), before.size());
  EXPECT_EQ(log->log_end_offset(), 120);
  // Survives a reopen (clean).
  ASSERT_EQ(log->close(), Errc::ok);
  log.reset();
  ASSERT_EQ(PartitionLog::open(dir.path() + "/c-0", "c", 0, random_topic_id(), cfg, true, nullptr, &log), Errc::ok);
  auto reopened = all_records(*log);
  ASSERT_EQ(reopened.size(), after.size());
}

TEST(CompactionTest, RemovesOldTombstonesAndKeylessRecords) {
  test::TempDir dir;
  LogConfig cfg;
  cfg.cleanup_compact = true;
  cfg.segment_bytes = 300;
  cfg.delete_retention_ms = 0;
  std::shared_ptr<PartitionLog> log;
  ASSERT_EQ(PartitionLog::open(dir.path() + "/c-0", "c", 0, random_topic_id(), cfg, true, nullptr, &log), Errc::ok);
  auto b1 = batch({{"a", "1"}, {"b", "1"}}, 1000);
  auto b2 = batch({{"a", std::nullopt}}, 1000);  // tombstone for a
  ASSERT_EQ(log->append(view_of(b1), nullptr), Errc::ok);
  ASSERT_EQ(log->append(view_of(b2), nullptr), Errc::ok);
  for (int i = 0; i < 10; ++i) {
    auto f = batch({{"filler" + std::to_string(i), std::string(50, 'f')}}, 1000);
    ASSERT_EQ(log->append(view_of(f), nullptr), Errc::ok);
  }
  ASSERT_EQ(log->flush(), Errc::ok);
  ASSERT_EQ(log->compact(1000000, 1 << 20, true), Errc::ok);
  auto recs = all_records(*log);
  ASSERT_FALSE(recs.empty());
  for (auto& r : recs) EXPECT_NE(r.key, "a");
  EXPECT_EQ(recs.front().key, "b");
  EXPECT_EQ(recs.front().offset, 1);
}

TEST(CompactionTest, TinyKeyMapStillMakesProgressOrSkipsSafely) {
  test::TempDir dir;
  LogConfig cfg;
  cfg.cleanup_compact = true;
  cfg.segment_bytes = 400;
  std::shared_ptr<PartitionLog> log;
  ASSERT_EQ(PartitionLog::open(dir.path() + "/c-0", "c", 0, random_topic_id(), cfg, true, nullptr, &log), Errc::ok);
  for (int i = 0; i < 200; ++i) {
    auto b = batch({{"key" + std::to_string(i % 7), "v" + std::to_string(i)}}, 1000);
    ASSERT_EQ(log->append(view_of(b), nullptr), Errc::ok);
  }
  ASSERT_EQ(log->flush(), Errc::ok);
  // 16 slots * 0.9 -> the map holds 14 keys: enough for 7 distinct keys.
  ASSERT_EQ(log->compact(0, 16 * 24, true), Errc::ok);
  auto recs = all_records(*log);
  EXPECT_LT(recs.size(), 200u);
  std::map<std::string, int64_t> last;
  for (auto& r : recs) last[r.key] = r.offset;
  for (int k = 0; k < 7; ++k) EXPECT_GE(last["key" + std::to_string(k)], 193);
}

}  // namespace
}  // namespace fjord::storage

namespace fjord::storage {
namespace {

TEST(CompactionTest, InterruptedSwapIsCompletedOnOpen) {
  test::TempDir dir;
  LogConfig cfg;
  cfg.cleanup_compact = true;
  cfg.segment_bytes = 500;
  std::shared_ptr<PartitionLog> log;
  const std::string pdir = dir.path() + "/c-0";
  ASSERT_EQ(PartitionLog::open(pdir, "c", 0, random_topic_id(), cfg, true, nullptr, &log), Errc::ok);
  for (int i = 0; i < 30; ++i) {
    auto b = batch({{"k" + std::to_string(i), "value-" + std::to_string(i)}}, 1000);
    ASSERT_EQ(log->append(view_of(b), nullptr), Errc::ok);
  }
  auto bases = log->segment_bases();
  ASSERT_GE(bases.size(), 4u);
  ASSERT_EQ(log->close(), Errc::ok);
  log.reset();
  // Simulate a crash after step 2: the cleaned copy of segment 0 (here: its
  // first batch only) and the marker covering segments 0 and 1 exist.
  std::vector<uint8_t> seg0;
  {
    std::string text;
    ASSERT_TRUE(read_small_file(pdir + "/" + offset_file_name(0, ".log"), &text));
    seg0.assign(text.begin(), text.end());
  }
  protocol::RecordBatchView first;
  ASSERT_EQ(protocol::RecordBatchView::parse(seg0.data(), seg0.size(), &first), protocol::BatchError::ok);
  ASSERT_EQ(write_file_atomic(pdir + "/" + offset_file_name(0, ".log") + ".cleaned",
                              std::string_view(reinterpret_cast<const char*>(seg0.data()), first.total_size())),
            Errc::ok);
  ASSERT_EQ(write_file_atomic(pdir + "/cleaner-swap", "0 " + std::to_string(bases[2])), Errc::ok);
  ASSERT_EQ(PartitionLog::open(pdir, "c", 0, random_topic_id(), cfg, true, nullptr, &log), Errc::ok);
  auto after = log->segment_bases();
  EXPECT_EQ(after.front(), 0);
  EXPECT_EQ(std::count(after.begin(), after.end(), bases[1]), 0);
  EXPECT_FALSE(file_exists(pdir + "/cleaner-swap"));
  EXPECT_FALSE(file_exists(pdir + "/" + offset_file_name(0, ".log") + ".cleaned"));
  ASSERT_EQ(log->flush(), Errc::ok);
  auto recs = all_records(*log);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs.front().offset, 0);
  EXPECT_EQ(recs[1].offset, bases[2]);  // segment 1's records went with the swap
  EXPECT_EQ(log->log_end_offset(), 30);
}

}  // namespace
}  // namespace fjord::storage
