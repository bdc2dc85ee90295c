// PartitionLog and LogManager with in-memory segment tails (use_tails /
// StorageConfig::direct_io): every batch reads back byte for byte, from
// memory slices or the file, across rolls, reopens, crashes and truncation,
// and the .log files end up in Kafka's format (no direct-write padding).
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/io/batch_arena.h"
#include "storage/io/chunk_pool.h"
#include "storage/file_ops.h"
#include "storage/io/flusher.h"
#include "storage/log/log_manager.h"
#include "storage/log/partition_log.h"
#include "storage/log/partition_metadata.h"
#include "storage/io/segment_tail.h"
#include "storage/io/tail_writer.h"
#include "storage/io/thread_tail_round.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

namespace fs = std::filesystem;
using test::make_batch;
using test::slice_bytes;
using test::view_of;

// Batch `seq`, fully determined by seq: mostly small, every 7th above the
// first chunk's 64 KiB.
std::vector<uint8_t> batch_for(int64_t seq, const std::string& tag = "v") {
  const int records = 1 + int(seq % 5);
  const size_t len = seq % 7 == 3 ? 70000 + size_t(seq * 977) % 30000 : 50 + size_t(seq * 131) % 3000;
  return make_batch(records, 1000 + seq, "key" + std::to_string(seq) + "-",
                    tag + std::string(len / size_t(records), char('a' + seq % 26)));
}

LogConfig page_cache_config(int64_t segment_bytes) {
  LogConfig cfg;
  cfg.flush_messages = 1000000000;  // page-cache mode; never reached
  cfg.segment_bytes = segment_bytes;
  return cfg;
}

LogConfig durable_config(int64_t segment_bytes) {
  LogConfig cfg;
  cfg.segment_bytes = segment_bytes;
  return cfg;
}

// What the log should hold: stored batch bytes by base offset.
struct Model {
  std::map<int64_t, std::vector<uint8_t>> batches;
  int64_t end = 0;
  void add(int64_t base, int64_t last, std::vector<uint8_t> bytes) {
    batches[base] = std::move(bytes);
    end = last + 1;
  }
  // Drops every batch at or after `offset` (a batch boundary).
  void truncate(int64_t offset) {
    batches.erase(batches.lower_bound(offset), batches.end());
    end = offset;
  }
  // Bytes of the batches with base in [from, to).
  uint64_t bytes_between(int64_t from, int64_t to) const {
    uint64_t n = 0;
    for (auto it = batches.lower_bound(from); it != batches.end() && it->first < to; ++it) n += it->second.size();
    return n;
  }
};

struct ReadStats {
  int memory_slices = 0;
  int file_slices = 0;
};

// Completes once everything up to `offset` is acknowledgeable (written in
// page-cache mode, synced in durable mode).
std::future<bool> durable_future(PartitionLog& log, int64_t offset) {
  auto p = std::make_shared<std::promise<bool>>();
  auto f = p->get_future();
  log.when_durable(offset, [p](bool ok) { p->set_value(ok); });
  return f;
}

// The bytes of a read: its slice and the memory pieces after it.
std::vector<uint8_t> bytes_of(const ReadResult& r) {
  std::vector<uint8_t> out =
      r.slice.memory ? std::vector<uint8_t>(r.slice.memory, r.slice.memory + r.slice.length) : slice_bytes(r.slice);
  uint64_t at = r.slice.position + r.slice.length;
  for (const auto& piece : r.more) {
    EXPECT_NE(piece.memory, nullptr);
    EXPECT_EQ(piece.position, at) << "pieces of a read must follow each other in the file";
    out.insert(out.end(), piece.memory, piece.memory + piece.length);
    at += piece.length;
  }
  EXPECT_EQ(r.more.size(), r.more_keepalive.size());
  return out;
}

// Reads [model's first batch, model.end) with `max_bytes` reads and checks
// every batch byte for byte, in order, each exactly once.
void expect_reads_back(const PartitionLog& log, const Model& m, ReadStats* stats = nullptr,
                       int32_t max_bytes = 1 << 20) {
  ASSERT_FALSE(m.batches.empty());
  auto next = m.batches.begin();
  int64_t offset = next->first;
  while (offset < m.end) {
    const int64_t read_at = offset;
    // A fetch's read first: the same slice, or what to load before it (never for memory).
    ReadResult cached = log.read(read_at, max_bytes, true, std::nullopt, ReadMode::cached_only);
    ReadResult r = log.read(read_at, max_bytes);
    ASSERT_EQ(r.error, Errc::ok) << "offset " << offset;
    if (cached.error == Errc::not_cached) {
      ASSERT_EQ(r.slice.memory, nullptr) << "offset " << offset;
      EXPECT_LE(cached.load.position, r.slice.position);
      EXPECT_GT(cached.load.length, 0u);
    } else {
      ASSERT_EQ(cached.error, Errc::ok) << "offset " << offset;
      EXPECT_EQ(cached.slice.position, r.slice.position);
      EXPECT_EQ(cached.slice.length, r.slice.length);
      EXPECT_EQ(cached.slice.memory, r.slice.memory);
      EXPECT_EQ(cached.length(), r.length());
    }
    ASSERT_GT(r.slice.length, 0u) << "offset " << offset << " hw " << r.high_watermark;
    if (stats) ++(r.slice.memory ? stats->memory_slices : stats->file_slices);
    const auto bytes = bytes_of(r);
    ASSERT_EQ(bytes.size(), r.length());
    ASSERT_LE(r.length(), uint32_t(max_bytes) + r.slice.length) << "a read went on past max_bytes";
    size_t pos = 0;
    while (pos < bytes.size()) {
      ASSERT_NE(next, m.batches.end()) << "more bytes than batches at offset " << offset;
      const auto& want = next->second;
      ASSERT_LE(pos + want.size(), bytes.size()) << "partial batch " << next->first;
      ASSERT_TRUE(std::equal(want.begin(), want.end(), bytes.begin() + long(pos)))
          << "batch " << next->first << " differs (" << (r.slice.memory ? "memory" : "file") << " slice read at offset "
          << read_at << ", batch at byte " << pos << " of " << bytes.size() << ")";
      pos += want.size();
      offset = protocol::RecordBatchView(const_cast<uint8_t*>(want.data()), want.size()).last_offset() + 1;
      ++next;
    }
  }
  EXPECT_EQ(next, m.batches.end());
}

// Each segment's .log holds exactly its batches: no padding past them.
void expect_exact_files(const std::string& dir, const std::vector<int64_t>& bases, const Model& m,
                        bool include_active) {
  for (size_t i = 0; i < bases.size(); ++i) {
    const bool active = i + 1 == bases.size();
    if (active && !include_active) continue;
    const int64_t to = active ? INT64_MAX : bases[i + 1];
    const auto path = dir + "/" + offset_file_name(bases[i], ".log");
    EXPECT_EQ(fs::file_size(path), m.bytes_between(bases[i], to)) << path << (active ? " (active)" : "");
  }
}

class PartitionLogTailsTest : public ::testing::Test {
 protected:
  // Page-cache mode runs without a flusher (a roll would schedule one, and
  // its write would race the high-watermark checks): writes then happen only
  // in when_durable() and flush(), on the calling thread.
  void open(const LogConfig& cfg, bool clean = true, const std::string& sub = "t-0") {
    log_.reset();
    Flusher* flusher = cfg.durable_mode() ? &flusher_ : nullptr;
    ASSERT_EQ(PartitionLog::open(dir_.path() + "/" + sub, "t", 0, random_topic_id(), cfg, clean, flusher, &log_),
              Errc::ok);
    ASSERT_EQ(log_->writes().use_tails(nullptr), Errc::ok);
  }
  std::string log_dir(const std::string& sub = "t-0") const { return dir_.path() + "/" + sub; }

  // Appends batch_for(seq); returns its info. The stored bytes go to the model.
  AppendInfo append(int64_t seq, const std::string& tag = "v") {
    auto b = batch_for(seq, tag);
    AppendInfo info;
    EXPECT_EQ(log_->append(view_of(b), &info), Errc::ok);
    EXPECT_EQ(info.base_offset, model_.end);
    model_.add(info.base_offset, info.last_offset, std::move(b));  // rewritten in place by append
    return info;
  }
  bool wait_durable(int64_t offset) { return durable_future(*log_, offset).get(); }

  // Appends batch_for(seq) as the broker does a big produce batch: received
  // into an arena slot placed for the log's next position. *at: the slot.
  AppendInfo append_received(int64_t seq, BatchArena& arena, const uint8_t** at) {
    auto b = batch_for(seq);
    ArenaBatch slot = arena.allocate(uint32_t(log_->next_batch_position() % SegmentTail::kBlock), uint32_t(b.size()));
    EXPECT_NE(slot.data, nullptr);
    std::memcpy(slot.data, b.data(), b.size());
    protocol::RecordBatchView view;
    EXPECT_EQ(protocol::RecordBatchView::parse(slot.data, b.size(), &view), protocol::BatchError::ok);
    AppendInfo info;
    EXPECT_EQ(log_->append(view, &info, slot.owner), Errc::ok);
    EXPECT_EQ(info.base_offset, model_.end);
    model_.add(info.base_offset, info.last_offset, std::vector<uint8_t>(slot.data, slot.data + b.size()));
    *at = slot.data;
    return info;
  }

  test::TempDir dir_;
  Flusher flusher_;
  std::shared_ptr<PartitionLog> log_;
  Model model_;
};

TEST_F(PartitionLogTailsTest, PageCacheModeAcrossRollsReadsBackAndReopens) {
  const auto cfg = page_cache_config(256 << 10);
  open(cfg);
  for (int64_t seq = 0; seq < 140; ++seq) {
    const int64_t hw_before = log_->high_watermark();
    auto info = append(seq);
    // The high watermark is the written end: nothing was written yet.
    EXPECT_EQ(log_->high_watermark(), hw_before);
    EXPECT_EQ(log_->log_end_offset(), info.last_offset + 1);
    EXPECT_TRUE(wait_durable(info.last_offset));  // writes inline (no TailWriter)
    EXPECT_EQ(log_->high_watermark(), info.last_offset + 1);
    if (seq % 35 == 34) expect_reads_back(*log_, model_);
  }
  const auto bases = log_->segment_bases();
  EXPECT_GE(bases.size(), 5u);
  // Rolled segments were written whole, so their padding is cut already.
  expect_exact_files(log_dir(), bases, model_, false);
  ReadStats stats;
  expect_reads_back(*log_, model_, &stats);
  EXPECT_GT(stats.memory_slices, 0) << "nothing served from the tail";
  EXPECT_GT(stats.file_slices, 0);

  ASSERT_EQ(log_->close(), Errc::ok);
  expect_exact_files(log_dir(), bases, model_, true);

  open(cfg, /*clean=*/true);
  EXPECT_EQ(log_->log_end_offset(), model_.end);
  EXPECT_EQ(log_->high_watermark(), model_.end);
  expect_reads_back(*log_, model_);
  for (int64_t seq = 140; seq < 170; ++seq) EXPECT_TRUE(wait_durable(append(seq).last_offset));
  expect_reads_back(*log_, model_);
  ASSERT_EQ(log_->close(), Errc::ok);
  expect_exact_files(log_dir(), log_->segment_bases(), model_, true);

  // Plain Kafka-format files: a log without tails reads them.
  log_.reset();
  ASSERT_EQ(PartitionLog::open(log_dir(), "t", 0, random_topic_id(), cfg, true, nullptr, &log_), Errc::ok);
  EXPECT_EQ(log_->log_end_offset(), model_.end);
  expect_reads_back(*log_, model_);
}

// A tail write that fails takes the partition offline: its waiters fail,
// later appends are refused (as Kafka takes a failing log dir offline), and
// what was written before is all there after a reopen. The failure: writes
// at or beyond RLIMIT_FSIZE fail with EFBIG (SIGXFSZ ignored).
TEST_F(PartitionLogTailsTest, AFailedTailWriteTakesThePartitionOffline) {
  const auto cfg = page_cache_config(64 << 20);
  open(cfg);
  for (int64_t seq = 0; seq < 20; ++seq) EXPECT_TRUE(wait_durable(append(seq).last_offset));
  const Model written = model_;
  ASSERT_GT(log_->size_bytes(), 4096);
  struct rlimit old;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto* const old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit low = old;
  low.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &low), 0);
  const auto failed = append(20);
  const bool acked = wait_durable(failed.last_offset);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(acked);
  EXPECT_EQ(log_->high_watermark(), written.end);
  auto b = batch_for(21);
  AppendInfo info;
  EXPECT_EQ(log_->append(view_of(b), &info), Errc::io_error) << "appended after a failed write";
  EXPECT_FALSE(durable_future(*log_, failed.last_offset).get());
  EXPECT_NE(log_->close(), Errc::ok);
  open(cfg, /*clean=*/false);
  EXPECT_EQ(log_->log_end_offset(), written.end);
  expect_reads_back(*log_, written);
  ASSERT_EQ(log_->close(), Errc::ok);
}

TEST_F(PartitionLogTailsTest, DurableModeWithAppendsInFlightAcrossRolls) {
  const auto cfg = durable_config(384 << 10);
  open(cfg);
  // Appends keep coming while the flusher writes and syncs: some land during
  // a write, some roll the segment under it.
  std::vector<std::future<bool>> acks;
  int64_t last = -1;
  for (int64_t seq = 0; seq < 200; ++seq) {
    auto info = append(seq);
    last = info.last_offset;
    acks.push_back(durable_future(*log_, info.last_offset));
    EXPECT_LE(log_->high_watermark(), info.last_offset + 1);
  }
  for (auto& a : acks) EXPECT_TRUE(a.get());
  EXPECT_EQ(log_->high_watermark(), last + 1);
  EXPECT_EQ(log_->recovery_point(), last + 1);
  EXPECT_GE(log_->segment_count(), 5u);
  expect_reads_back(*log_, model_);
  const auto bases = log_->segment_bases();
  ASSERT_EQ(log_->close(), Errc::ok);
  expect_exact_files(log_dir(), bases, model_, true);
  open(cfg, true);
  EXPECT_EQ(log_->log_end_offset(), model_.end);
  EXPECT_EQ(log_->high_watermark(), model_.end);
  expect_reads_back(*log_, model_);
}

// A crash: the directory copied while the log is open (files as the kernel
// has them), then opened unclean.
void copy_dir(const std::string& from, const std::string& to) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

TEST_F(PartitionLogTailsTest, UncleanReopenKeepsWrittenBatchesAndCutsPadding) {
  for (bool durable : {false, true}) {
    SCOPED_TRACE(durable ? "durable mode" : "page-cache mode");
    model_ = Model{};
    const auto cfg = durable ? durable_config(256 << 10) : page_cache_config(256 << 10);
    const std::string sub = durable ? "d-0" : "p-0";
    open(cfg, true, sub);
    for (int64_t seq = 0; seq < 60; ++seq) EXPECT_TRUE(wait_durable(append(seq).last_offset));
    ASSERT_EQ(log_->flush(), Errc::ok);
    const Model written = model_;
    const auto bases = log_->segment_bases();
    // Appended but neither written nor acknowledged (page-cache mode: no
    // when_durable; durable mode: the flusher may write them, so they are
    // not part of the check but may survive).
    for (int64_t seq = 60; seq < 63; ++seq) append(seq);
    const std::string crash = sub + "-crash";
    copy_dir(log_dir(sub), log_dir(crash));
    // The active segment's file holds its written batches, then only zeros
    // (padding, and the length raised ahead of direct writes).
    {
      const auto path = log_dir(crash) + "/" + offset_file_name(bases.back(), ".log");
      const uint64_t logical = written.bytes_between(bases.back(), INT64_MAX);
      std::vector<uint8_t> f(fs::file_size(path));
      FileHandle fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      ASSERT_TRUE(fd.valid());
      ASSERT_TRUE(pread_all(fd.get(), f.data(), f.size(), 0));
      ASSERT_GE(f.size(), logical);
      if (!durable) {
        EXPECT_LE(f.size(), (logical + SegmentTail::kBlock - 1) / SegmentTail::kBlock * SegmentTail::kBlock +
                                SegmentTail::kGrowStep);
        EXPECT_TRUE(std::all_of(f.begin() + long(logical), f.end(), [](uint8_t c) { return c == 0; }));
      }
    }
    open(cfg, /*clean=*/false, crash);
    if (durable) {
      EXPECT_GE(log_->log_end_offset(), written.end);
      model_.truncate(log_->log_end_offset());  // what survived of the unacknowledged three
    } else {
      EXPECT_EQ(log_->log_end_offset(), written.end) << "unwritten batches cannot be in the file";
      model_ = written;
    }
    EXPECT_EQ(log_->high_watermark(), log_->log_end_offset());
    expect_reads_back(*log_, model_);
    expect_exact_files(log_dir(crash), log_->segment_bases(), model_, true);
    for (int64_t seq = 100; seq < 110; ++seq) EXPECT_TRUE(wait_durable(append(seq).last_offset));
    expect_reads_back(*log_, model_);
    ASSERT_EQ(log_->close(), Errc::ok);
    expect_exact_files(log_dir(crash), log_->segment_bases(), model_, true);
  }
}

TEST_F(PartitionLogTailsTest, TruncateThenAppendDifferentBatchesReadsTheNewOnes) {
  open(page_cache_config(64 << 20));
  // Small batches past the first 64 KiB chunk and the next chunk's start.
  std::vector<std::pair<int64_t, uint64_t>> starts;  // base offset, file position
  uint64_t pos = 0;
  for (int64_t seq = 0; pos < SegmentTail::kMinChunk + 5000; ++seq) {
    auto b = make_batch(1, 1000 + seq, "k", "old-" + std::to_string(seq));
    AppendInfo info;
    ASSERT_EQ(log_->append(view_of(b), &info), Errc::ok);
    starts.emplace_back(info.base_offset, pos);
    pos += b.size();
    model_.add(info.base_offset, info.last_offset, std::move(b));
    ASSERT_TRUE(wait_durable(info.last_offset));
  }
  // The batch that did not fit in the first chunk starts the second one at
  // its block, which also holds the end of the first chunk's batches.
  size_t spill = 0;
  while (starts[spill].second + model_.batches[starts[spill].first].size() <= SegmentTail::kMinChunk) ++spill;
  const uint64_t shared_block = starts[spill].second / SegmentTail::kBlock * SegmentTail::kBlock;
  ASSERT_GE(starts[spill - 2].second, shared_block);
  // Cut two batches before the spill: in the block both chunks hold.
  const int64_t cut = starts[spill - 2].first;
  ASSERT_EQ(log_->truncate_to(cut), Errc::ok);
  model_.truncate(cut);
  EXPECT_EQ(log_->log_end_offset(), cut);
  for (int64_t seq = 0; seq < 100; ++seq) {
    auto b = make_batch(2, 5000 + seq, "n", "new-batch-" + std::to_string(seq));
    AppendInfo info;
    ASSERT_EQ(log_->append(view_of(b), &info), Errc::ok);
    model_.add(info.base_offset, info.last_offset, std::move(b));
    ASSERT_TRUE(wait_durable(info.last_offset));
  }
  // Failed at 14d41f5, fixed in 477c65b (see SegmentTailTest.
  // TruncateInTheBlockAChunkSharesWithTheNext): a read starting in the first
  // chunk got a memory slice running to that chunk's pre-truncation end, i.e.
  // the cut-off "old-" batches' bytes where the new batches' bytes belong.
  size_t before_block = 0;
  while (starts[before_block + 1].second < shared_block) ++before_block;
  ReadResult r = log_->read(starts[before_block].first, 1 << 20);
  ASSERT_EQ(r.error, Errc::ok);
  const auto got = bytes_of(r);
  std::vector<uint8_t> want;
  for (auto it = model_.batches.find(starts[before_block].first); it != model_.batches.end() && want.size() < got.size();
       ++it)
    want.insert(want.end(), it->second.begin(), it->second.end());
  want.resize(std::min(want.size(), got.size()));
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "read at offset " << starts[before_block].first << " ("
                           << (r.slice.memory ? "memory" : "file") << " slice of " << r.slice.length
                           << " bytes) returned bytes the truncation removed";
  expect_reads_back(*log_, model_);
  // The file itself is right.
  ASSERT_EQ(log_->close(), Errc::ok);
  open(page_cache_config(64 << 20));
  expect_reads_back(*log_, model_);
}

TEST_F(PartitionLogTailsTest, TruncateIntoARolledSegmentWithAnUnwrittenTail) {
  const auto cfg = page_cache_config(128 << 10);
  open(cfg);
  for (int64_t seq = 0; seq < 30; ++seq) EXPECT_TRUE(wait_durable(append(seq).last_offset));
  // Appended, not written, across a roll: the rolled segment keeps its tail.
  const size_t segments = log_->segment_count();
  int64_t seq = 30;
  while (log_->segment_count() < segments + 2) append(seq++);
  const auto bases = log_->segment_bases();
  const int64_t rolled = bases[bases.size() - 2];
  // Cut in the middle of the rolled segment's batches, some written, some not.
  auto it = model_.batches.upper_bound(rolled);
  for (int i = 0; i < 3 && std::next(it) != model_.batches.end() && std::next(it)->first < bases.back(); ++i) ++it;
  const int64_t cut = it->first;
  ASSERT_EQ(log_->truncate_to(cut), Errc::ok);
  model_.truncate(cut);
  EXPECT_EQ(log_->log_end_offset(), cut);
  EXPECT_LE(log_->high_watermark(), cut);
  for (int64_t s2 = 500; s2 < 540; ++s2) EXPECT_TRUE(wait_durable(append(s2, "w").last_offset));
  EXPECT_EQ(log_->high_watermark(), model_.end);
  expect_reads_back(*log_, model_);
  ASSERT_EQ(log_->close(), Errc::ok);
  expect_exact_files(log_dir(), log_->segment_bases(), model_, true);
  open(cfg);
  expect_reads_back(*log_, model_);
  // Everything gone: the log starts over at a new offset with a tail.
  ASSERT_EQ(log_->truncate_to(0), Errc::ok);
  EXPECT_EQ(log_->log_end_offset(), 0);
  model_ = Model{};
  for (int64_t s2 = 0; s2 < 20; ++s2) EXPECT_TRUE(wait_durable(append(s2, "z").last_offset));
  expect_reads_back(*log_, model_);
  ASSERT_EQ(log_->close(), Errc::ok);
  expect_exact_files(log_dir(), log_->segment_bases(), model_, true);
}

TEST_F(PartitionLogTailsTest, TimestampLookupsReadRecordsFromTheTail) {
  open(page_cache_config(64 << 20));
  for (int64_t seq = 0; seq < 50; ++seq) {
    auto b = make_batch(3, 10 * seq, "k", std::string(size_t(100 + seq * 37), 'q'));
    AppendInfo info;
    ASSERT_EQ(log_->append(view_of(b), &info), Errc::ok);
    ASSERT_TRUE(wait_durable(info.last_offset));
  }
  // Record-level answers need the records' bytes, here all in memory.
  for (int64_t seq = 0; seq < 50; seq += 7) {
    auto r = log_->offset_for_timestamp(10 * seq + 2);
    ASSERT_TRUE(r.has_value()) << seq;
    EXPECT_EQ(r->first, 3 * seq + 2);
    EXPECT_EQ(r->second, 10 * seq + 2);
  }
  EXPECT_EQ(log_->max_timestamp_offset(), std::make_pair(int64_t(149), int64_t(492)));
}

TEST_F(PartitionLogTailsTest, BatchesReceivedIntoArenaSlotsAreKeptAndReadBackInPieces) {
  open(page_cache_config(8 << 20));
  BatchArena arena;
  std::map<int64_t, const uint8_t*> slots;
  for (int64_t seq = 0; seq < 200; ++seq) {
    const uint8_t* at = nullptr;
    auto info = append_received(seq, arena, &at);
    slots[info.base_offset] = at;
    if (seq % 3 == 0) append(1000 + seq);  // copied ones between
    if (seq % 50 == 49) {
      ASSERT_TRUE(wait_durable(info.last_offset));
    }
  }
  ASSERT_TRUE(wait_durable(model_.end - 1));
  ASSERT_EQ(log_->segment_count(), 1u);
  // A batch that spans a block is read from its slot. (A smaller one may be
  // read from a later chunk that starts in its block and carries a copy.)
  int kept = 0;
  for (const auto& [base, at] : slots) {
    if (model_.batches[base].size() <= 2 * SegmentTail::kBlock) continue;
    ReadResult r = log_->read(base, 1 << 20);
    ASSERT_EQ(r.error, Errc::ok);
    ASSERT_EQ(r.slice.memory, at) << "batch " << base << " was copied, not kept";
    ++kept;
  }
  EXPECT_GT(kept, 20);
  // One read runs through many pieces, up to max_bytes.
  ReadResult r = log_->read(0, 1 << 20);
  EXPECT_GT(r.more.size(), 10u);
  EXPECT_LE(r.length(), 1u << 20);
  EXPECT_GT(r.length(), (1u << 20) - 110000) << "a read stopped well short of max_bytes";
  ReadStats stats;
  expect_reads_back(*log_, model_, &stats);
  expect_reads_back(*log_, model_, &stats, 70000);
  EXPECT_EQ(stats.file_slices, 0);
  // Reopened, all of it comes from the file.
  open(page_cache_config(8 << 20));
  expect_reads_back(*log_, model_);
}

TEST_F(PartitionLogTailsTest, ReadWithoutMinOneBatchReturnsEveryBatchThatFits) {
  // Kafka returns the first batch whenever it fits in max_bytes, with or
  // without minOneMessage (the broker passes false for every partition after
  // the first with data in a fetch response).
  open(page_cache_config(64 << 20));
  for (int64_t seq = 0; model_.bytes_between(0, INT64_MAX) < (20u << 20); ++seq) {
    auto b = make_batch(1, 1000 + seq, "k", std::string(60000 + size_t(seq * 7919) % 50000, 'x'));
    AppendInfo info;
    ASSERT_EQ(log_->append(view_of(b), &info), Errc::ok);
    model_.add(info.base_offset, info.last_offset, std::move(b));
    ASSERT_TRUE(wait_durable(info.last_offset));
  }
  int empty = 0;
  int64_t first_empty = -1;
  for (const auto& [base, bytes] : model_.batches) {
    ReadResult r = log_->read(base, 1 << 20, /*min_one_batch=*/false);
    ASSERT_EQ(r.error, Errc::ok);
    if (r.slice.length == 0) {
      if (empty++ == 0) first_empty = base;
      continue;
    }
    const auto got = bytes_of(r);
    ASSERT_GE(got.size(), bytes.size());
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), got.begin())) << "batch " << base;
  }
  // Failed at 14d41f5, fixed in 477c65b: a batch starting below the tail's
  // start() (its first chunk freed) but ending above it was cut off by
  // max_end = file_end() (then start()) in PartitionLog::read, so without
  // min_one_batch the read returned nothing although the batch fits.
  EXPECT_EQ(empty, 0) << empty << " of " << model_.batches.size()
                      << " batches read as empty without min_one_batch; first at offset " << first_empty;
}

// Readers racing one producer and the TailWriter threads: every slice they
// get (memory or file) holds exactly the batches the producer appended, while
// chunks fill, get written, are freed behind and segments roll.
// Partitions 0..n-1 of topic "t" under dir, each with in-memory tails
// written by `writer` (null: written by whoever calls write_tails). Empty on failure.
std::vector<std::shared_ptr<PartitionLog>> open_logs_with_tails(const std::string& dir, int n, const LogConfig& cfg,
                                                                TailWriter* writer) {
  std::vector<std::shared_ptr<PartitionLog>> logs(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    if (PartitionLog::open(dir + "/t-" + std::to_string(i), "t", i, random_topic_id(), cfg, true, nullptr, &logs[i]) !=
            Errc::ok ||
        logs[i]->writes().use_tails(writer) != Errc::ok)
      return {};
  }
  return logs;
}

// One TailWriter or Flusher round writes every log's tail with the writes in
// flight together; a log queued twice in a round is written once (taking its
// write lock twice would hang the round), and each gets its written end.
TEST(WriteTailsTogetherTest, EveryLogIsWrittenOnceEvenIfQueuedTwice) {
  test::TempDir dir;
  const auto cfg = page_cache_config(256 << 10);
  constexpr int kLogs = 4;
  auto logs = open_logs_with_tails(dir.path(), kLogs, cfg, nullptr);
  ASSERT_EQ(logs.size(), size_t(kLogs));
  std::vector<Model> models(kLogs);
  for (int round = 0; round < 12; ++round) {
    for (int i = 0; i < kLogs; ++i) {
      // Big batches every few rounds roll segments, so some rounds plan a write per segment.
      for (int64_t k = 0; k < 1 + (round + i) % 4; ++k) {
        auto b = batch_for(round * 10 + k + i, "w" + std::to_string(i));
        AppendInfo info;
        ASSERT_EQ(logs[i]->append(view_of(b), &info), Errc::ok);
        models[i].add(info.base_offset, info.last_offset, std::move(b));
      }
      EXPECT_LT(logs[i]->high_watermark(), models[i].end) << "written before the round";
    }
    // Log 0 and log 2 twice; log 3 only every other round (its bytes wait for a later one).
    std::vector<std::shared_ptr<PartitionLog>> queued = {logs[2], logs[0], logs[1], logs[0], logs[2]};
    if (round % 2 == 1) queued.push_back(logs[3]);
    std::vector<std::shared_ptr<WritePipeline>> pipelines;
    for (auto& l : queued) pipelines.push_back(l->writes().shared());
    const auto written = write_tails_together(pipelines);
    ASSERT_EQ(written.size(), queued.size());
    for (size_t q = 0; q < queued.size(); ++q) {
      const int i = int(std::find(logs.begin(), logs.end(), queued[q]) - logs.begin());
      EXPECT_EQ(written[q], models[i].end) << "round " << round << ", log " << i;
      EXPECT_EQ(logs[i]->high_watermark(), models[i].end) << "round " << round << ", log " << i;
    }
  }
  for (int i = 0; i < kLogs; ++i) {
    EXPECT_GE(logs[i]->segment_bases().size(), 2u);
    expect_reads_back(*logs[i], models[i]);
    ASSERT_EQ(logs[i]->close(), Errc::ok);
    expect_exact_files(dir.path() + "/t-" + std::to_string(i), logs[i]->segment_bases(), models[i], true);
  }
}

// The TailWriter's threads answer producers waiting on many logs at once.
TEST(WriteTailsTogetherTest, TailWriterRoundsAnswerEveryWaiter) {
  test::TempDir dir;
  const auto cfg = page_cache_config(1 << 20);
  TailWriter writer(2);
  constexpr int kLogs = 16;
  auto logs = open_logs_with_tails(dir.path(), kLogs, cfg, &writer);
  ASSERT_EQ(logs.size(), size_t(kLogs));
  std::vector<Model> models(kLogs);
  std::vector<std::future<bool>> acked;
  for (int64_t seq = 0; seq < 40; ++seq) {
    for (int i = 0; i < kLogs; ++i) {
      auto b = batch_for(seq + i);
      AppendInfo info;
      ASSERT_EQ(logs[i]->append(view_of(b), &info), Errc::ok);
      models[i].add(info.base_offset, info.last_offset, std::move(b));
      acked.push_back(durable_future(*logs[i], info.last_offset));
    }
  }
  for (auto& f : acked) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "a waiter was never answered";
    EXPECT_TRUE(f.get());
  }
  for (int i = 0; i < kLogs; ++i) {
    EXPECT_EQ(logs[i]->high_watermark(), models[i].end);
    expect_reads_back(*logs[i], models[i]);
  }
  writer.stop();
  for (auto& l : logs) ASSERT_EQ(l->close(), Errc::ok);
}

// A thread with a ThreadTailRound installed writes its page-cache tails
// itself, when its loop runs the round: nothing is written or answered
// before, the round is armed once however many logs join it, an answer may
// append again and even run the next round (answers run with no write lock
// held), and durable-mode logs still go to the TailWriter's threads.
TEST(ThreadTailRoundTest, PageCacheTailsWaitForTheRoundAndDurableOnesDoNot) {
  test::TempDir dir;
  TailWriter writer(1);
  auto logs = open_logs_with_tails(dir.path(), 3, page_cache_config(1 << 20), &writer);
  ASSERT_EQ(logs.size(), 3u);
  std::shared_ptr<PartitionLog> durable;
  ASSERT_EQ(PartitionLog::open(dir.path() + "/d-0", "d", 0, random_topic_id(), durable_config(8 << 20), true, nullptr,
                               &durable),
            Errc::ok);
  ASSERT_EQ(durable->writes().use_tails(&writer), Errc::ok);

  int armed = 0;
  ThreadTailRound round([&armed] { ++armed; });
  ThreadTailRound::install(&round);
  // Durable mode writes a big tail ahead of its flush: on the writer's thread.
  for (int k = 0; k < 4; ++k) {  // 1.2 MB: above kWriteAheadBytes
    auto d = make_batch(1, k, "k", std::string(300000, 'd'));
    AppendInfo dinfo;
    ASSERT_EQ(durable->append(view_of(d), &dinfo), Errc::ok);
  }
  EXPECT_TRUE(round.empty());
  EXPECT_EQ(armed, 0) << "a durable-mode log joined the thread's round";
  for (int i = 0; i < 3000 && writer.rounds() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(writer.rounds(), 1u) << "the durable tail was not written by the TailWriter";
  std::vector<Model> models(3);
  int answered = 0;
  bool appended_from_answer = false;
  for (int i = 0; i < 3; ++i) {
    for (int64_t seq = 0; seq < 4; ++seq) {
      auto b = batch_for(seq + i);
      AppendInfo info;
      ASSERT_EQ(logs[i]->append(view_of(b), &info), Errc::ok);
      models[i].add(info.base_offset, info.last_offset, std::move(b));
      logs[i]->when_durable(info.last_offset, [&, i](bool ok) {
        EXPECT_TRUE(ok);
        ++answered;
        if (i == 0 && !appended_from_answer) {
          appended_from_answer = true;
          auto more = batch_for(99);
          AppendInfo again;
          ASSERT_EQ(logs[0]->append(view_of(more), &again), Errc::ok);
          models[0].add(again.base_offset, again.last_offset, std::move(more));
          logs[0]->when_durable(again.last_offset, [&](bool ok2) { EXPECT_TRUE(ok2); ++answered; });
          // Even a round run from inside an answer (it takes log 0's write lock again).
          round.run();
        }
      });
    }
  }
  EXPECT_EQ(armed, 1) << "one arm per round, however many logs join it";
  EXPECT_EQ(answered, 0) << "answered before the round ran";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(logs[i]->high_watermark(), 0) << "log " << i;
  EXPECT_EQ(writer.rounds(), 1u) << "page-cache tails went to the TailWriter";

  round.run();
  EXPECT_EQ(answered, 13);
  EXPECT_EQ(armed, 2) << "the append from an answer armed the next round";
  EXPECT_TRUE(round.empty());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(logs[i]->high_watermark(), models[i].end) << "log " << i;
    expect_reads_back(*logs[i], models[i]);
  }
  ThreadTailRound::install(nullptr);
  writer.stop();
  for (auto& l : logs) ASSERT_EQ(l->close(), Errc::ok);
  ASSERT_EQ(durable->close(), Errc::ok);
}

TEST(LogManagerTailsTest, ConcurrentReadersSeeExactBatchesWhileTheWriterRuns) {
  test::TempDir dir;
  StorageConfig c;
  c.log_dirs = {dir.path()};
  c.direct_io = true;
  c.defaults.segment_bytes = 16 << 20;  // rolls, and chunks freed behind within a segment
  LogManager m(c);
  ASSERT_EQ(m.open(), Errc::ok);
  std::string err;
  ASSERT_EQ(m.create_topic("race", 1, {{"flush.ms", "3600000"}}, nullptr, &err), Errc::ok) << err;
  auto log = m.partition("race", 0);
  ASSERT_TRUE(log);

  std::mutex mu;
  std::map<int64_t, std::vector<uint8_t>> expected;  // base offset -> stored bytes
  std::atomic<bool> done{false};
  std::atomic<int64_t> reads{0}, memory_reads{0};
  auto reader = [&](unsigned seed) {
    std::mt19937 rng(seed);
    int64_t last_hw = 0;
    while (!done.load()) {
      const int64_t hw = log->high_watermark();
      ASSERT_GE(hw, last_hw) << "high watermark went back";
      ASSERT_LE(hw, log->log_end_offset());
      last_hw = hw;
      if (hw == 0) continue;
      // Mostly near the end (memory), sometimes anywhere (file).
      const int64_t offset = rng() % 4 ? std::max<int64_t>(0, hw - 1 - int64_t(rng() % 200)) : int64_t(rng() % hw);
      ReadResult r = log->read(offset, int32_t(1 + rng() % (2 << 20)));
      ASSERT_EQ(r.error, Errc::ok);
      ASSERT_GT(r.slice.length, 0u) << "offset " << offset << " below hw " << hw;
      ++reads;
      if (r.slice.memory) ++memory_reads;
      const auto bytes = bytes_of(r);
      size_t pos = 0;
      bool first = true;
      while (pos < bytes.size()) {
        protocol::RecordBatchView v;
        ASSERT_EQ(protocol::RecordBatchView::parse(const_cast<uint8_t*>(bytes.data() + pos), bytes.size() - pos, &v),
                  protocol::BatchError::ok)
            << "read at " << offset << ", byte " << pos << (r.slice.memory ? " (memory)" : " (file)");
        if (first) {
          ASSERT_TRUE(v.base_offset() <= offset && offset <= v.last_offset()) << "read at " << offset;
        }
        first = false;
        ASSERT_LT(v.last_offset(), r.high_watermark);
        std::vector<uint8_t> want;
        {
          std::lock_guard lk(mu);
          auto it = expected.find(v.base_offset());
          ASSERT_NE(it, expected.end()) << "no batch starts at " << v.base_offset();
          want = it->second;
        }
        ASSERT_EQ(v.total_size(), want.size());
        ASSERT_EQ(std::memcmp(bytes.data() + pos, want.data(), want.size()), 0)
            << "batch " << v.base_offset() << (r.slice.memory ? " (memory)" : " (file)");
        pos += want.size();
      }
    }
  };
  std::vector<std::thread> readers;
  for (unsigned i = 0; i < 2; ++i) readers.emplace_back(reader, 7 + i);
  int64_t end = 0;
  uint64_t total = 0;
  for (int64_t seq = 0; total < (48u << 20); ++seq) {
    auto b = batch_for(seq);
    auto stored = b;
    view_of(stored).set_base_offset(end);
    {
      std::lock_guard lk(mu);
      expected[end] = stored;
    }
    AppendInfo info;
    ASSERT_EQ(log->append(view_of(b), &info), Errc::ok);
    ASSERT_EQ(info.base_offset, end);
    end = info.last_offset + 1;
    total += b.size();
    if (seq % 64 == 63) {  // now and then an acknowledgement, as a producer with acks=1 waits
      ASSERT_TRUE(durable_future(*log, info.last_offset).get());
      ASSERT_GE(log->high_watermark(), end);
    }
  }
  // Acknowledged once the TailWriter has written it all.
  EXPECT_TRUE(durable_future(*log, end - 1).get());
  EXPECT_EQ(log->high_watermark(), end);
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(reads.load(), 100);
  EXPECT_GT(memory_reads.load(), 0);
  std::printf("[ info     ] %lld reads, %lld from memory, %zu segments\n", (long long)reads.load(),
              (long long)memory_reads.load(), log->segment_count());
  Model all;
  for (auto& [base, bytes] : expected)
    all.add(base, protocol::RecordBatchView(bytes.data(), bytes.size()).last_offset(), bytes);
  expect_reads_back(*log, all);
}

// LogManager with direct_io: the TailWriter threads write page-cache-mode
// partitions, the flusher durable ones.
TEST(LogManagerTailsTest, DirectIoOpenAppendShutdownReopen) {
  test::TempDir dir;
  StorageConfig c;
  c.log_dirs = {dir.path()};
  c.direct_io = true;
  c.defaults.segment_bytes = 256 << 10;
  std::map<std::string, Model> models;
  auto produce = [&](LogManager& m, int64_t from, int64_t to) {
    for (const char* topic : {"pc", "dur"}) {
      auto log = m.partition(topic, 0);
      ASSERT_TRUE(log);
      Model& model = models[topic];
      std::vector<std::future<bool>> acks;
      for (int64_t seq = from; seq < to; ++seq) {
        auto b = batch_for(seq);
        AppendInfo info;
        ASSERT_EQ(log->append(view_of(b), &info), Errc::ok);
        model.add(info.base_offset, info.last_offset, std::move(b));
        acks.push_back(durable_future(*log, info.last_offset));
      }
      for (auto& a : acks) EXPECT_TRUE(a.get()) << topic;
      EXPECT_EQ(log->high_watermark(), model.end) << topic;
      expect_reads_back(*log, model);
    }
  };
  {
    LogManager m(c);
    ASSERT_EQ(m.open(), Errc::ok);
    std::string err;
    ASSERT_EQ(m.create_topic("pc", 1, {{"flush.ms", "3600000"}}, nullptr, &err), Errc::ok) << err;
    ASSERT_EQ(m.create_topic("dur", 1, {}, nullptr, &err), Errc::ok) << err;
    ASSERT_FALSE(m.partition("pc", 0)->config().durable_mode());
    produce(m, 0, 80);
    m.shutdown();
    EXPECT_TRUE(fs::exists(dir.path() + "/.kafka_cleanshutdown"));
  }
  for (const char* topic : {"pc", "dur"}) {
    std::vector<int64_t> bases;
    for (auto& e : fs::directory_iterator(dir.path() + "/" + topic + "-0"))
      if (e.path().extension() == ".log") bases.push_back(std::stoll(e.path().stem().string()));
    std::sort(bases.begin(), bases.end());
    EXPECT_GE(bases.size(), 3u) << topic;
    expect_exact_files(dir.path() + "/" + topic + "-0", bases, models[topic], true);
  }
  {
    LogManager m(c);
    ASSERT_EQ(m.open(), Errc::ok);
    for (const char* topic : {"pc", "dur"}) {
      auto log = m.partition(topic, 0);
      ASSERT_TRUE(log);
      EXPECT_EQ(log->log_end_offset(), models[topic].end);
      EXPECT_EQ(log->high_watermark(), models[topic].end);
      expect_reads_back(*log, models[topic]);
    }
    produce(m, 80, 120);
    m.shutdown();
  }
  // And without direct_io, the same files.
  c.direct_io = false;
  LogManager m(c);
  ASSERT_EQ(m.open(), Errc::ok);
  for (const char* topic : {"pc", "dur"}) {
    auto log = m.partition(topic, 0);
    ASSERT_TRUE(log);
    expect_reads_back(*log, models[topic]);
  }
}

// A crash of the whole LogManager: its log dir copied while it runs, then
// opened (no clean-shutdown marker): every acknowledged batch is there, and
// no .log file keeps direct-write padding.
TEST(LogManagerTailsTest, DirectIoUncleanRestartKeepsAcknowledgedBatches) {
  test::TempDir dir, crashed;
  StorageConfig c;
  c.log_dirs = {dir.path()};
  c.direct_io = true;
  c.defaults.segment_bytes = 256 << 10;
  std::map<std::string, Model> models;
  {
    LogManager m(c);
    ASSERT_EQ(m.open(), Errc::ok);
    std::string err;
    ASSERT_EQ(m.create_topic("pc", 1, {{"flush.ms", "3600000"}}, nullptr, &err), Errc::ok) << err;
    ASSERT_EQ(m.create_topic("dur", 1, {}, nullptr, &err), Errc::ok) << err;
    for (const char* topic : {"pc", "dur"}) {
      auto log = m.partition(topic, 0);
      ASSERT_TRUE(log);
      std::vector<std::future<bool>> acks;
      for (int64_t seq = 0; seq < 90; ++seq) {
        auto b = batch_for(seq);
        AppendInfo info;
        ASSERT_EQ(log->append(view_of(b), &info), Errc::ok);
        models[topic].add(info.base_offset, info.last_offset, std::move(b));
        acks.push_back(durable_future(*log, info.last_offset));
      }
      for (auto& a : acks) ASSERT_TRUE(a.get()) << topic;
    }
    ASSERT_FALSE(fs::exists(dir.path() + "/.kafka_cleanshutdown"));
    fs::remove_all(crashed.path());
    fs::copy(dir.path(), crashed.path(), fs::copy_options::recursive);
    m.shutdown();
  }
  c.log_dirs = {crashed.path()};
  LogManager m(c);
  ASSERT_EQ(m.open(), Errc::ok);
  for (const char* topic : {"pc", "dur"}) {
    auto log = m.partition(topic, 0);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_end_offset(), models[topic].end) << topic;
    EXPECT_EQ(log->high_watermark(), models[topic].end) << topic;
    expect_reads_back(*log, models[topic]);
    expect_exact_files(crashed.path() + "/" + topic + "-0", log->segment_bases(), models[topic], true);
  }
}

}  // namespace
// A quiet partition gives back its window of written bytes within about two
// of LogManager's passes; the blocks stay in the ChunkPool for reuse.
TEST(LogManagerTailsTest, AQuietPartitionGivesBackItsWindow) {
  test::TempDir dir;
  StorageConfig c;
  c.log_dirs = {dir.path()};
  c.direct_io = true;
  const uint64_t before = SegmentTail::total_bytes();
  LogManager m(c);
  ASSERT_EQ(m.open(), Errc::ok);
  std::string err;
  ASSERT_EQ(m.create_topic("quiet", 1, {{"flush.ms", "3600000"}}, nullptr, &err), Errc::ok) << err;
  auto log = m.partition("quiet", 0);
  ASSERT_TRUE(log);
  Model model;
  std::vector<std::future<bool>> acks;
  for (int64_t seq = 0; seq < 100; ++seq) {  // about 10 MB
    auto b = make_batch(1, 1000 + seq, "k", std::string(100000, char('a' + seq % 26)));
    AppendInfo info;
    ASSERT_EQ(log->append(view_of(b), &info), Errc::ok);
    model.add(info.base_offset, info.last_offset, std::move(b));
    acks.push_back(durable_future(*log, info.last_offset));
  }
  for (auto& a : acks) ASSERT_TRUE(a.get());
  EXPECT_GE(SegmentTail::total_bytes() - before, 6u << 20) << "the window was not kept";
  const size_t idle_before = ChunkPool::instance().idle_blocks();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (SegmentTail::total_bytes() - before > 2 * SegmentTail::kMaxChunk + SegmentTail::kBlock &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LE(SegmentTail::total_bytes() - before, 2 * SegmentTail::kMaxChunk + SegmentTail::kBlock)
      << "a quiet partition kept its window";
  EXPECT_GT(ChunkPool::instance().idle_blocks(), idle_before) << "freed blocks were not kept for reuse";
  expect_reads_back(*log, model);  // now from the file
}

}  // namespace fjord::storage
