#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "storage/io/flusher.h"
#include "storage/log/partition_log.h"
#include "storage/log/partition_metadata.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

using test::batch_offsets;
using test::make_batch;
using test::slice_bytes;
using test::view_of;

class PartitionLogTest : public ::testing::Test {
 protected:
  void open(LogConfig cfg = {}, bool clean = true) {
    log_.reset();
    ASSERT_EQ(PartitionLog::open(dir_.path() + "/t-0", "t", 0, random_topic_id(), cfg, clean, &flusher_, &log_),
              Errc::ok);
  }
  // Appends and waits until durable; returns base offset.
  int64_t append(std::vector<uint8_t> bytes) {
    AppendInfo info;
    EXPECT_EQ(log_->append(view_of(bytes), &info), Errc::ok);
    std::promise<bool> p;
    log_->when_durable(info.last_offset, [&](bool ok) { p.set_value(ok); });
    EXPECT_TRUE(p.get_future().get());
    return info.base_offset;
  }
  test::TempDir dir_;
  Flusher flusher_;
  std::shared_ptr<PartitionLog> log_;
};

TEST_F(PartitionLogTest, AppendAssignsOffsetsAndReadsReturnExactBytes) {
  open();
  std::vector<std::vector<uint8_t>> written;
  int64_t next = 0;
  for (int i = 0; i < 50; ++i) {
    auto b = make_batch(1 + i % 4, 1000 + i);
    int64_t base = append(b);
    EXPECT_EQ(base, next);
    next += 1 + i % 4;
    auto v = view_of(b);
    v.set_base_offset(base);  // what the log stored
    written.push_back(b);
  }
  EXPECT_EQ(log_->log_end_offset(), next);
  EXPECT_EQ(log_->high_watermark(), next);
  // Reading at any offset returns the batch containing it first.
  int64_t off = 0;
  for (auto& w : written) {
    auto r = log_->read(off + 0, 1 << 20);
    ASSERT_EQ(r.error, Errc::ok);
    auto bytes = slice_bytes(r.slice);
    ASSERT_GE(bytes.size(), w.size());
    EXPECT_TRUE(std::equal(w.begin(), w.end(), bytes.begin()));
    off += view_of(w).last_offset_delta() + 1;
  }
  // Whole log in one read, all batches back to back.
  auto r = log_->read(0, 1 << 20);
  auto all = slice_bytes(r.slice);
  size_t total = 0;
  for (auto& w : written) total += w.size();
  EXPECT_EQ(all.size(), total);
}

TEST_F(PartitionLogTest, ReadRespectsMaxBytesMinOneBatchAndBounds) {
  open();
  for (int i = 0; i < 10; ++i) append(make_batch(2, 1000));
  auto one = make_batch(2, 1000);
  const uint32_t bsize = uint32_t(one.size());
  auto r = log_->read(0, int32_t(bsize * 3 + 5));
  EXPECT_EQ(r.slice.length, bsize * 3);
  r = log_->read(3, 1);  // smaller than a batch: still one whole batch
  EXPECT_EQ(r.slice.length, bsize);
  EXPECT_EQ(batch_offsets(slice_bytes(r.slice))[0].first, 2);
  r = log_->read(3, 1, /*min_one_batch=*/false);
  EXPECT_EQ(r.slice.length, 0u);
  r = log_->read(20, 1000);  // log end: empty, ok
  EXPECT_EQ(r.error, Errc::ok);
  EXPECT_EQ(r.slice.length, 0u);
  EXPECT_EQ(log_->read(21, 1000).error, Errc::offset_out_of_range);
  EXPECT_EQ(log_->read(-1, 1000).error, Errc::offset_out_of_range);
  r = log_->read(0, 1 << 20, true, 4);  // upto: batches starting below 4 only
  EXPECT_EQ(r.slice.length, bsize * 2);
}

TEST_F(PartitionLogTest, RollsBySegmentBytesAndIndexesStayConsistent) {
  LogConfig cfg;
  cfg.segment_bytes = 4096;
  cfg.index_interval_bytes = 256;
  open(cfg);
  for (int i = 0; i < 200; ++i) append(make_batch(3, 1000 + i));
  EXPECT_GE(log_->segment_count(), 5u);
  auto bases = log_->segment_bases();
  for (size_t i = 0; i + 1 < bases.size(); ++i) {
    auto idx = dir_.path() + "/t-0/" + offset_file_name(bases[i], ".index");
    auto tidx = dir_.path() + "/t-0/" + offset_file_name(bases[i], ".timeindex");
    auto log = dir_.path() + "/t-0/" + offset_file_name(bases[i], ".log");
    ASSERT_TRUE(std::filesystem::exists(log));
    // Rolled segments have trimmed indexes with real entries.
    EXPECT_GT(std::filesystem::file_size(idx), 0u);
    EXPECT_EQ(std::filesystem::file_size(idx) % 8, 0u);
    EXPECT_LT(std::filesystem::file_size(idx), 1000u);
    EXPECT_EQ(std::filesystem::file_size(tidx) % 12, 0u);
    EXPECT_LE(std::filesystem::file_size(log), 4096u);
  }
  // The active segment's index is preallocated like Kafka's.
  EXPECT_EQ(std::filesystem::file_size(dir_.path() + "/t-0/" + offset_file_name(bases.back(), ".index")),
            size_t(10 << 20));
  for (int64_t off = 0; off < 600; off += 7) {
    auto r = log_->read(off, 100);
    auto bytes = slice_bytes(r.slice);
    auto offs = batch_offsets(bytes);
    ASSERT_EQ(offs.size(), 1u) << off;
    EXPECT_LE(offs[0].first, off);
    EXPECT_GE(offs[0].second, off);
  }
  // Reopen (clean): indexes are loaded, not rebuilt, and give the same answers.
  ASSERT_EQ(log_->close(), Errc::ok);
  open(cfg, true);
  EXPECT_EQ(log_->log_end_offset(), 600);
  for (int64_t off = 0; off < 600; off += 11) {
    auto bytes = slice_bytes(log_->read(off, 100).slice);
    auto offs = batch_offsets(bytes);
    ASSERT_EQ(offs.size(), 1u);
    EXPECT_LE(offs[0].first, off);
    EXPECT_GE(offs[0].second, off);
  }
}

TEST_F(PartitionLogTest, RollsBySegmentMs) {
  LogConfig cfg;
  cfg.segment_ms = 20;
  open(cfg);
  append(make_batch(1, 1));
  append(make_batch(1, 1));
  EXPECT_EQ(log_->segment_count(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  append(make_batch(1, 1));
  EXPECT_EQ(log_->segment_count(), 2u);
  EXPECT_EQ(log_->segment_bases().back(), 2);
}

TEST_F(PartitionLogTest, RetentionByBytesAndTimeNeverDeletesActiveSegment) {
  LogConfig cfg;
  cfg.segment_bytes = 2048;
  cfg.retention_bytes = 4096;
  cfg.retention_ms = -1;
  open(cfg);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  for (int i = 0; i < 100; ++i) append(make_batch(2, now));
  size_t before = log_->segment_count();
  EXPECT_GT(log_->apply_retention(now), 0);
  EXPECT_LT(log_->segment_count(), before);
  EXPECT_LE(log_->size_bytes(), 4096 + 2048);
  EXPECT_EQ(log_->log_start_offset(), log_->segment_bases().front());
  EXPECT_EQ(log_->read(0, 100).error, Errc::offset_out_of_range);
  // Time: everything is older than 1 ms an hour from now, but the active segment stays.
  cfg.retention_ms = 1;
  cfg.retention_bytes = -1;
  log_->set_config(cfg);
  log_->apply_retention(now + 3600 * 1000);
  EXPECT_EQ(log_->segment_count(), 1u);
  EXPECT_EQ(log_->log_end_offset(), 200);
  EXPECT_EQ(log_->read(log_->log_start_offset(), 100).error, Errc::ok);
}

TEST_F(PartitionLogTest, DeleteRecordsMovesLogStart) {
  LogConfig cfg;
  cfg.segment_bytes = 1024;
  open(cfg);
  for (int i = 0; i < 40; ++i) append(make_batch(1, 5));
  int64_t start = -1;
  EXPECT_EQ(log_->delete_records_before(25, &start), Errc::ok);
  EXPECT_EQ(start, 25);
  EXPECT_EQ(log_->log_start_offset(), 25);
  EXPECT_EQ(log_->read(24, 100).error, Errc::offset_out_of_range);
  EXPECT_EQ(log_->read(25, 100).error, Errc::ok);
  EXPECT_LE(log_->segment_bases().front(), 25);
  EXPECT_EQ(log_->delete_records_before(41, &start), Errc::offset_out_of_range);
  EXPECT_EQ(log_->delete_records_before(-1, &start), Errc::ok);  // -1 = high watermark
  EXPECT_EQ(start, 40);
  EXPECT_EQ(log_->read(40, 100).slice.length, 0u);
}

TEST_F(PartitionLogTest, TruncateDropsTailAndAppendsContinue) {
  LogConfig cfg;
  cfg.segment_bytes = 1024;
  open(cfg);
  for (int i = 0; i < 40; ++i) append(make_batch(1, 5));
  ASSERT_EQ(log_->truncate_to(17), Errc::ok);
  EXPECT_EQ(log_->log_end_offset(), 17);
  EXPECT_EQ(log_->high_watermark(), 17);
  EXPECT_EQ(log_->read(18, 100).error, Errc::offset_out_of_range);
  EXPECT_EQ(append(make_batch(1, 5)), 17);
  auto bytes = slice_bytes(log_->read(16, 1 << 20).slice);
  auto offs = batch_offsets(bytes);
  ASSERT_EQ(offs.size(), 2u);
  EXPECT_EQ(offs[1].first, 17);
  ASSERT_EQ(log_->truncate_to(0), Errc::ok);
  EXPECT_EQ(log_->log_end_offset(), 0);
  EXPECT_EQ(append(make_batch(1, 5)), 0);
}

TEST_F(PartitionLogTest, DurableModeHighWatermarkFollowsFdatasync) {
  open();
  auto b = make_batch(5, 1);
  AppendInfo info;
  ASSERT_EQ(log_->append(view_of(b), &info), Errc::ok);
  EXPECT_EQ(info.base_offset, 0);
  EXPECT_EQ(info.last_offset, 4);
  std::promise<bool> p;
  log_->when_durable(4, [&](bool ok) { p.set_value(ok); });
  EXPECT_TRUE(p.get_future().get());
  EXPECT_EQ(log_->high_watermark(), 5);
  EXPECT_GE(log_->recovery_point(), 5);
}

TEST_F(PartitionLogTest, GroupCommitSharesFdatasyncAcrossConcurrentAppends) {
  open();
  uint64_t rounds_before = flusher_.rounds();
  constexpr int kThreads = 8, kPer = 50;
  std::vector<std::thread> ts;
  std::atomic<int> acked{0};
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < kPer; ++i) {
        auto b = make_batch(1, 1);
        AppendInfo info;
        ASSERT_EQ(log_->append(view_of(b), &info), Errc::ok);
        std::promise<bool> p;
        log_->when_durable(info.last_offset, [&](bool ok) { p.set_value(ok); });
        if (p.get_future().get()) acked++;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(acked.load(), kThreads * kPer);
  // Every append waited for a sync, yet syncs were shared.
  EXPECT_LT(flusher_.rounds() - rounds_before, uint64_t(kThreads * kPer));
}

TEST_F(PartitionLogTest, PageCacheModeAcknowledgesWithoutFsync) {
  LogConfig cfg;
  cfg.flush_messages = 1000000;
  open(cfg);
  auto b = make_batch(3, 1);
  AppendInfo info;
  ASSERT_EQ(log_->append(view_of(b), &info), Errc::ok);
  EXPECT_EQ(log_->high_watermark(), 3);  // visible at once, like Kafka
  bool called = false;
  log_->when_durable(2, [&](bool ok) { called = ok; });
  EXPECT_TRUE(called);
  EXPECT_LT(log_->recovery_point(), 3);  // not synced yet
  ASSERT_EQ(log_->flush(), Errc::ok);
  EXPECT_EQ(log_->recovery_point(), 3);
}

TEST_F(PartitionLogTest, RejectsOversizedBatches) {
  LogConfig cfg;
  cfg.max_message_bytes = 100;
  open(cfg);
  auto b = make_batch(20, 1);
  AppendInfo info;
  EXPECT_EQ(log_->append(view_of(b), &info), Errc::message_too_large);
  EXPECT_EQ(log_->log_end_offset(), 0);
}

TEST_F(PartitionLogTest, LogAppendTimeRewritesTimestampAndCrc) {
  LogConfig cfg;
  cfg.log_append_time = true;
  open(cfg);
  auto b = make_batch(2, 7);
  AppendInfo info;
  ASSERT_EQ(log_->append(view_of(b), &info), Errc::ok);
  EXPECT_GT(info.log_append_time, 1000000000000);
  ASSERT_EQ(log_->flush(), Errc::ok);
  auto bytes = slice_bytes(log_->read(0, 1000).slice);
  auto v = view_of(bytes);
  EXPECT_TRUE(v.log_append_time());
  EXPECT_EQ(v.max_timestamp(), info.log_append_time);
  EXPECT_TRUE(v.crc_valid());
}

TEST_F(PartitionLogTest, OffsetForTimestampAndMaxTimestamp) {
  LogConfig cfg;
  cfg.segment_bytes = 1024;
  cfg.index_interval_bytes = 100;
  open(cfg);
  // batch i holds records with timestamps 1000+10*i .. +2
  for (int i = 0; i < 60; ++i) append(make_batch(3, 1000 + 10 * i));
  auto r = log_->offset_for_timestamp(1000 + 10 * 25 + 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 25 * 3 + 1);
  EXPECT_EQ(r->second, 1000 + 10 * 25 + 1);
  r = log_->offset_for_timestamp(1000 + 10 * 25 + 5);  // between batches -> next batch's first record
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 26 * 3);
  r = log_->offset_for_timestamp(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 0);
  EXPECT_FALSE(log_->offset_for_timestamp(999999));
  auto m = log_->max_timestamp_offset();
  EXPECT_EQ(m.first, 179);
  EXPECT_EQ(m.second, 1000 + 590 + 2);
}

TEST_F(PartitionLogTest, WritesKafkaPartitionMetadata) {
  open();
  std::string text;
  ASSERT_TRUE(read_small_file(dir_.path() + "/t-0/partition.metadata", &text));
  EXPECT_EQ(text.rfind("version: 0\ntopic_id: ", 0), 0u);
  auto id = read_partition_metadata(dir_.path() + "/t-0");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, log_->topic_id());
  EXPECT_EQ(text, "version: 0\ntopic_id: " + id->to_base64() + "\n");
}

}  // namespace
}  // namespace fjord::storage

namespace fjord::storage {
namespace {

// Appenders, readers and housekeeping at once: every slice a reader gets
// must hold intact batches starting at or before the requested offset.
TEST(PartitionLogStressTest, ConcurrentAppendReadRetention) {
  test::TempDir dir;
  Flusher flusher;
  LogConfig cfg;
  cfg.segment_bytes = 8192;
  cfg.retention_bytes = 64 * 1024;
  cfg.retention_ms = -1;
  cfg.index_interval_bytes = 512;
  std::shared_ptr<PartitionLog> log;
  ASSERT_EQ(PartitionLog::open(dir.path() + "/s-0", "s", 0, random_topic_id(), cfg, true, &flusher, &log), Errc::ok);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        auto b = make_batch(1 + (i + t) % 5, 1000 + i, "k", std::string(size_t(10 + i % 200), 'p'));
        AppendInfo info;
        if (log->append(view_of(b), &info) != Errc::ok) bad++;
        if (i % 16 == 0) {
          std::promise<bool> p;
          log->when_durable(info.last_offset, [&](bool ok) { p.set_value(ok); });
          if (!p.get_future().get()) bad++;
        }
      }
    });
  ts.emplace_back([&] {
    std::mt19937 rng(7);
    while (!stop) {
      int64_t start = log->log_start_offset(), hw = log->high_watermark();
      if (hw <= start) continue;
      int64_t off = start + int64_t(rng() % uint64_t(hw - start));
      auto r = log->read(off, int32_t(rng() % 5000));
      if (r.error == Errc::offset_out_of_range) continue;  // retention moved past it meanwhile
      auto bytes = slice_bytes(r.slice);
      protocol::RecordBatchView v;
      if (bytes.empty() ||
          protocol::RecordBatchView::parse(bytes.data(), bytes.size(), &v) != protocol::BatchError::ok ||
          !v.crc_valid() || v.last_offset() < off)
        bad++;
      reads++;
    }
  });
  ts.emplace_back([&] {
    int64_t now = 0;
    while (!stop) {
      log->apply_retention(now++);
      int64_t s;
      if (now % 50 == 0) log->delete_records_before(std::max<int64_t>(log->high_watermark() - 100, 0), &s);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 100);
  EXPECT_GT(log->log_start_offset(), 0);
}

// Many threads appending to many partitions, each waiting for durability:
// every callback fires exactly once with ok, the high watermark covers every
// acknowledged offset, and rounds with many dirty logs (one syncfs() per log
// dir) share syncs across partitions.
TEST(FlusherTest, EveryWaiterFiresAcrossManyPartitions) {
  test::TempDir dir;
  Flusher flusher;
  constexpr int kPartitions = 200, kThreads = 8, kPer = 400;
  std::vector<std::shared_ptr<PartitionLog>> logs(kPartitions);
  for (int p = 0; p < kPartitions; ++p)
    ASSERT_EQ(PartitionLog::open(dir.path() + "/t-" + std::to_string(p), "t", p, random_topic_id(), LogConfig{},
                                 true, &flusher, &logs[size_t(p)]),
              Errc::ok);
  std::atomic<int> acked{0}, failed{0}, early{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      std::vector<std::future<void>> waits;
      for (int i = 0; i < kPer; ++i) {
        auto& log = logs[rng() % kPartitions];
        auto b = make_batch(1, 1);
        AppendInfo info;
        ASSERT_EQ(log->append(view_of(b), &info), Errc::ok);
        auto p = std::make_shared<std::promise<void>>();
        waits.push_back(p->get_future());
        log->when_durable(info.last_offset, [&, p, log, off = info.last_offset](bool ok) {
          (ok ? acked : failed)++;
          if (log->high_watermark() <= off) early++;
          p->set_value();  // throws (test crash) if called twice
        });
      }
      for (auto& w : waits) ASSERT_EQ(w.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(acked.load(), kThreads * kPer);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(early.load(), 0);
  EXPECT_LT(flusher.rounds(), uint64_t(kThreads * kPer));
  for (auto& l : logs) EXPECT_EQ(l->high_watermark(), l->log_end_offset());
  for (auto& l : logs) l->close();
}

}  // namespace
}  // namespace fjord::storage
