// LogBatchReader: every stored batch of a partition, in order and byte for
// byte, from any offset, across segment rolls, over compacted logs (gaps),
// with decompressed records, up to the high watermark or a given offset, and
// from in-memory tails not yet on disk. SegmentRangeReader, the piece it
// shares with compaction, on its own.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/records/record_batch_builder.h"
#include "protocol/records/record_reader.h"
#include "storage/file_ops.h"
#include "storage/io/write_pipeline.h"
#include "storage/log/log_batch_reader.h"
#include "storage/log/partition_log.h"
#include "storage/log/partition_metadata.h"
#include "storage/log/segment_range_reader.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

using protocol::Compression;
using test::make_batch;
using test::view_of;

// The batches appended so far, as stored (append rewrote their base offsets
// in place), by base offset.
struct Appended {
  std::map<int64_t, std::vector<uint8_t>> batches;
  void append(PartitionLog& log, std::vector<uint8_t> bytes) {
    AppendInfo info;
    ASSERT_EQ(log.append(view_of(bytes), &info), Errc::ok);
    batches[info.base_offset] = std::move(bytes);
  }
};

struct Rec {
  int64_t offset;
  int64_t timestamp;
  std::string key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const Rec&) const = default;
};

Rec rec_of(const protocol::Record& r) {
  Rec out{r.offset, r.timestamp, std::string(r.key.view()),
          r.value.is_null() ? std::nullopt : std::optional<std::string>(std::string(r.value.view())), {}};
  auto it = r.header_iterator();
  protocol::RecordHeader h;
  while (it.next(&h))
    out.headers.emplace_back(std::string(h.key.view()),
                             h.value.is_null() ? std::nullopt : std::optional<std::string>(std::string(h.value.view())));
  return out;
}

// Records of stored batch bytes, decoded independently of the reader.
std::vector<Rec> records_of(const std::vector<uint8_t>& bytes) {
  std::vector<uint8_t> copy = bytes, scratch;
  protocol::RecordBatchView v = view_of(copy);
  protocol::RecordReader rr;
  EXPECT_EQ(rr.open(v, scratch), protocol::BatchError::ok);
  std::vector<Rec> out;
  protocol::Record r;
  while (rr.next(&r)) out.push_back(rec_of(r));
  return out;
}

struct ReadBack {
  std::vector<std::vector<uint8_t>> batches;
  std::vector<Rec> records;
  Errc error = Errc::ok;
};

ReadBack read_all(const PartitionLog& log, int64_t from, LogBatchReader::Options options = {}) {
  ReadBack out;
  LogBatchReader reader(log, from, options);
  LogBatch batch;
  while (reader.next(&batch)) {
    EXPECT_EQ(batch.bytes().size(), batch.view.total_size());
    EXPECT_EQ(batch.base_offset(), batch.view.base_offset());
    EXPECT_EQ(batch.last_offset(), batch.view.last_offset());
    EXPECT_TRUE(batch.view.crc_valid()) << "batch " << batch.base_offset();
    out.batches.emplace_back(batch.bytes().begin(), batch.bytes().end());
    protocol::Record r;
    while (reader.next_record(&r)) out.records.push_back(rec_of(r));
  }
  out.error = reader.error();
  return out;
}

// The appended batches with base offset in [first batch holding `from`, upto).
std::vector<std::vector<uint8_t>> expected_batches(const Appended& a, int64_t from, int64_t upto = INT64_MAX) {
  std::vector<std::vector<uint8_t>> out;
  for (auto& [base, bytes] : a.batches) {
    std::vector<uint8_t> copy = bytes;
    if (view_of(copy).last_offset() < from || base >= upto) continue;
    out.push_back(bytes);
  }
  return out;
}

std::vector<Rec> expected_records(const Appended& a, int64_t from, int64_t upto = INT64_MAX) {
  std::vector<Rec> out;
  for (auto& [base, bytes] : a.batches)
    for (auto& r : records_of(bytes))
      if (r.offset >= from && r.offset < upto) out.push_back(r);
  return out;
}

// A batch of 1..5 records, some with headers, every 4th compressed.
std::vector<uint8_t> batch_for(int seq) {
  protocol::BatchOptions o;
  static constexpr Compression kCodecs[] = {Compression::none, Compression::gzip, Compression::snappy,
                                            Compression::lz4, Compression::zstd};
  o.compression = seq % 4 == 3 ? kCodecs[1 + (seq / 4) % 4] : Compression::none;
  protocol::RecordBatchBuilder b(o);
  const int n = 1 + seq % 5;
  for (int i = 0; i < n; ++i) {
    const std::string key = "k" + std::to_string(seq) + "-" + std::to_string(i);
    const std::string value(20 + size_t(seq * 37 % 200), char('a' + (seq + i) % 26));
    const protocol::HeaderField headers[] = {{"h", std::string_view("x")}, {"null", std::nullopt}};
    b.add(1000 + seq * 10 + i, key, value, seq % 3 == 0 ? std::span<const protocol::HeaderField>(headers)
                                                        : std::span<const protocol::HeaderField>());
  }
  return b.build();
}

LogConfig small_segments(int64_t segment_bytes = 2000) {
  LogConfig cfg;
  cfg.segment_bytes = segment_bytes;
  return cfg;
}

std::shared_ptr<PartitionLog> open_log(const test::TempDir& dir, const LogConfig& cfg) {
  std::shared_ptr<PartitionLog> log;
  EXPECT_EQ(PartitionLog::open(dir.path() + "/t-0", "t", 0, random_topic_id(), cfg, true, nullptr, &log), Errc::ok);
  return log;
}

TEST(LogBatchReaderTest, ReadsEveryBatchAcrossSegmentRolls) {
  test::TempDir dir;
  auto log = open_log(dir, small_segments());
  Appended a;
  for (int seq = 0; seq < 80; ++seq) a.append(*log, batch_for(seq));
  ASSERT_EQ(log->flush(), Errc::ok);
  ASSERT_GE(log->segment_bases().size(), 5u);
  ASSERT_EQ(log->high_watermark(), log->log_end_offset());
  // One batch per read, a few per read, everything in one.
  for (int32_t read_bytes : {1, 700, 1 << 20}) {
    auto got = read_all(*log, 0, {.upto = std::nullopt, .read_bytes = read_bytes});
    EXPECT_EQ(got.error, Errc::ok);
    EXPECT_EQ(got.batches, expected_batches(a, 0)) << "read_bytes " << read_bytes;
    EXPECT_EQ(got.records, expected_records(a, 0)) << "read_bytes " << read_bytes;
  }
  // Reopened: the same from the files alone.
  ASSERT_EQ(log->close(), Errc::ok);
  log = open_log(dir, small_segments());
  auto got = read_all(*log, 0);
  EXPECT_EQ(got.error, Errc::ok);
  EXPECT_EQ(got.batches, expected_batches(a, 0));
}

TEST(LogBatchReaderTest, StartsWithTheBatchHoldingTheOffset) {
  test::TempDir dir;
  auto log = open_log(dir, small_segments());
  Appended a;
  for (int seq = 0; seq < 40; ++seq) a.append(*log, batch_for(seq));
  ASSERT_EQ(log->flush(), Errc::ok);
  const int64_t end = log->log_end_offset();
  for (int64_t from = 0; from <= end; ++from) {
    auto got = read_all(*log, from, {.upto = std::nullopt, .read_bytes = 500});
    ASSERT_EQ(got.error, Errc::ok) << "from " << from;
    ASSERT_EQ(got.batches, expected_batches(a, from)) << "from " << from;
    ASSERT_EQ(got.records, expected_records(a, from)) << "from " << from;
    if (from < end) {
      ASSERT_FALSE(got.records.empty()) << "from " << from;
      EXPECT_EQ(got.records.front().offset, from);
    }
  }
}

TEST(LogBatchReaderTest, YieldsHeaderFieldsAndDecompressedRecordsOfEveryCodec) {
  test::TempDir dir;
  auto log = open_log(dir, small_segments(1 << 20));
  const Compression codecs[] = {Compression::none, Compression::gzip, Compression::snappy, Compression::lz4,
                                Compression::zstd};
  for (int c = 0; c < 5; ++c) {
    protocol::BatchOptions o;
    o.compression = codecs[c];
    o.producer_id = 1000 + c;
    o.producer_epoch = int16_t(c);
    o.base_sequence = 10 * c;
    o.partition_leader_epoch = 7;
    protocol::RecordBatchBuilder b(o);
    const std::string trace = "id-" + std::to_string(c);
    const protocol::HeaderField headers[] = {{"trace", std::string_view(trace)}};
    // Repetitive values: the compressed batches are much smaller than the records.
    const std::string value(300, 'z');
    for (int i = 0; i < 50; ++i)
      b.add(5000 + i, "key-" + std::to_string(i), i == 7 ? std::nullopt : std::optional<std::string_view>(value),
            headers);
    auto bytes = b.build();
    ASSERT_EQ(log->append(view_of(bytes), nullptr), Errc::ok);
  }
  ASSERT_EQ(log->flush(), Errc::ok);
  LogBatchReader reader(*log, 0);
  LogBatch batch;
  for (int c = 0; c < 5; ++c) {
    ASSERT_TRUE(reader.next(&batch)) << to_string(reader.error());
    EXPECT_EQ(batch.view.compression(), codecs[c]);
    EXPECT_EQ(batch.base_offset(), 50 * c);
    EXPECT_EQ(batch.last_offset(), 50 * c + 49);
    EXPECT_EQ(batch.view.producer_id(), 1000 + c);
    EXPECT_EQ(batch.view.producer_epoch(), c);
    EXPECT_EQ(batch.view.base_sequence(), 10 * c);
    EXPECT_EQ(batch.view.record_count(), 50);
    EXPECT_EQ(batch.view.max_timestamp(), 5049);
    if (codecs[c] != Compression::none) {
      EXPECT_LT(batch.bytes().size(), 50u * 300u);
    }
    protocol::Record r;
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(reader.next_record(&r)) << "codec " << c << " record " << i;
      EXPECT_EQ(r.offset, 50 * c + i);
      EXPECT_EQ(r.timestamp, 5000 + i);
      EXPECT_EQ(r.key.view(), "key-" + std::to_string(i));
      if (i == 7) {
        EXPECT_TRUE(r.value.is_null());
      } else {
        EXPECT_EQ(r.value.view(), std::string(300, 'z'));
      }
      protocol::RecordHeader h;
      ASSERT_TRUE(r.header(0, &h));
      EXPECT_EQ(h.key.view(), "trace");
      EXPECT_EQ(h.value.view(), "id-" + std::to_string(c));
    }
    EXPECT_FALSE(reader.next_record(&r));
    EXPECT_FALSE(reader.next_record(&r)) << "stays at the batch's end";
  }
  EXPECT_FALSE(reader.next(&batch));
  EXPECT_EQ(reader.error(), Errc::ok);
  EXPECT_EQ(reader.next_offset(), 250);
}

TEST(LogBatchReaderTest, StepsOverTheGapsCompactionLeaves) {
  test::TempDir dir;
  LogConfig cfg = small_segments(1500);
  cfg.cleanup_compact = true;
  cfg.cleanup_delete = false;
  auto log = open_log(dir, cfg);
  for (int round = 0; round < 40; ++round) {
    protocol::BatchOptions o;
    o.compression = round % 2 ? Compression::lz4 : Compression::none;
    protocol::RecordBatchBuilder b(o);
    for (int k = 0; k < 4; ++k) {
      const std::string key = "key" + std::to_string((round * 3 + k) % 10);
      b.add(1000 + round, key, "r" + std::to_string(round) + "-" + std::to_string(k));
    }
    auto bytes = b.build();
    ASSERT_EQ(log->append(view_of(bytes), nullptr), Errc::ok);
  }
  ASSERT_EQ(log->flush(), Errc::ok);
  const auto before = read_all(*log, 0).records;
  ASSERT_EQ(before.size(), 160u);
  ASSERT_EQ(log->compact(0, 1 << 20, true), Errc::ok);

  // What compaction kept: below the active segment, each key's latest record
  // there; the active segment as it was.
  const int64_t active_base = log->segment_bases().back();
  std::map<std::string, int64_t> latest;
  for (auto& r : before)
    if (r.offset < active_base) latest[r.key] = r.offset;
  std::vector<Rec> kept;
  for (auto& r : before)
    if (r.offset >= active_base || latest[r.key] == r.offset) kept.push_back(r);
  ASSERT_LT(kept.size(), before.size()) << "nothing was compacted";
  auto got = read_all(*log, 0);
  EXPECT_EQ(got.error, Errc::ok);
  EXPECT_EQ(got.records, kept);
  // Every batch is whole and in order, with gaps between some.
  int64_t prev_last = -1;
  bool gap = false;
  for (auto& bytes : got.batches) {
    auto copy = bytes;
    auto v = view_of(copy);
    EXPECT_GT(v.base_offset(), prev_last);
    gap |= v.base_offset() > prev_last + 1;
    prev_last = v.last_offset();
  }
  EXPECT_TRUE(gap);
  // From an offset compaction removed: the first record after it.
  const int64_t removed = before[1].offset;
  ASSERT_TRUE(std::none_of(kept.begin(), kept.end(), [&](const Rec& r) { return r.offset == removed; }));
  auto from_gap = read_all(*log, removed).records;
  ASSERT_FALSE(from_gap.empty());
  EXPECT_GT(from_gap.front().offset, removed);
  EXPECT_EQ(from_gap.back(), kept.back());
}

TEST(LogBatchReaderTest, StopsAtTheHighWatermarkOrAtUpto) {
  test::TempDir dir;
  auto log = open_log(dir, small_segments());
  Appended a;
  for (int seq = 0; seq < 30; ++seq) a.append(*log, batch_for(seq));
  ASSERT_EQ(log->flush(), Errc::ok);
  const int64_t hw = log->high_watermark();
  // Upto inside a batch: that batch is read whole, its records stop there.
  const int64_t upto = hw / 2;
  auto got = read_all(*log, 0, {.upto = upto});
  EXPECT_EQ(got.error, Errc::ok);
  EXPECT_EQ(got.batches, expected_batches(a, 0, upto));
  EXPECT_EQ(got.records, expected_records(a, 0, upto));
  EXPECT_EQ(got.records.back().offset, upto - 1);
  // The default bound is the high watermark when the reader was made.
  LogBatchReader reader(*log, 0);
  for (int seq = 30; seq < 35; ++seq) a.append(*log, batch_for(seq));
  ASSERT_EQ(log->flush(), Errc::ok);
  EXPECT_EQ(reader.upto(), hw);
  LogBatch batch;
  int64_t last = -1;
  while (reader.next(&batch)) last = batch.last_offset();
  EXPECT_EQ(reader.error(), Errc::ok);
  EXPECT_EQ(last, hw - 1);
  EXPECT_EQ(read_all(*log, 0).batches, expected_batches(a, 0));
}

TEST(LogBatchReaderTest, ReportsOffsetsOutsideTheLog) {
  test::TempDir dir;
  auto log = open_log(dir, small_segments());
  EXPECT_EQ(read_all(*log, 0).error, Errc::ok) << "an empty log reads nothing, cleanly";
  Appended a;
  for (int seq = 0; seq < 30; ++seq) a.append(*log, batch_for(seq));
  ASSERT_EQ(log->flush(), Errc::ok);
  const int64_t end = log->log_end_offset();
  auto at_end = read_all(*log, end);
  EXPECT_EQ(at_end.error, Errc::ok);
  EXPECT_TRUE(at_end.batches.empty());
  EXPECT_EQ(read_all(*log, end + 1).error, Errc::offset_out_of_range);
  int64_t start = 0;
  ASSERT_EQ(log->delete_records_before(20, &start), Errc::ok);
  EXPECT_EQ(read_all(*log, 19).error, Errc::offset_out_of_range);
  auto got = read_all(*log, 20);
  EXPECT_EQ(got.error, Errc::ok);
  EXPECT_EQ(got.records, expected_records(a, 20));
  // A reader whose next batch was deleted meanwhile says so.
  LogBatchReader reader(*log, 20, {.upto = std::nullopt, .read_bytes = 1});
  LogBatch batch;
  ASSERT_TRUE(reader.next(&batch));
  ASSERT_EQ(log->delete_records_before(log->high_watermark() - 1, &start), Errc::ok);
  while (reader.next(&batch)) {
  }
  EXPECT_EQ(reader.error(), Errc::offset_out_of_range);
}

// Page-cache mode with in-memory tails and no TailWriter: appended bytes stay
// in memory, not in the files, until someone waits for them.
TEST(LogBatchReaderTest, ReadsTailsStillInMemory) {
  test::TempDir dir;
  LogConfig cfg = small_segments(64 << 10);
  cfg.flush_messages = 1000000000;  // page-cache mode
  auto log = open_log(dir, cfg);
  ASSERT_EQ(log->writes().use_tails(nullptr), Errc::ok);
  Appended a;
  for (int seq = 0; seq < 200; ++seq) a.append(*log, batch_for(seq));
  ASSERT_GE(log->segment_bases().size(), 2u);
  const int64_t end = log->log_end_offset();
  ASSERT_EQ(log->high_watermark(), 0) << "nothing written yet";
  // In memory only: the active segment's file has none of its bytes yet.
  const ReadResult tail = log->read(log->segment_bases().back(), 1 << 20, true, end);
  ASSERT_EQ(tail.error, Errc::ok);
  ASSERT_NE(tail.slice.memory, nullptr);
  auto got = read_all(*log, 0);
  EXPECT_EQ(got.error, Errc::ok);
  EXPECT_TRUE(got.batches.empty()) << "above the high watermark";
  for (int32_t read_bytes : {1, 3000, 1 << 20}) {
    got = read_all(*log, 0, {.upto = end, .read_bytes = read_bytes});
    EXPECT_EQ(got.error, Errc::ok);
    EXPECT_EQ(got.batches, expected_batches(a, 0)) << "read_bytes " << read_bytes;
    EXPECT_EQ(got.records, expected_records(a, 0)) << "read_bytes " << read_bytes;
  }
  // Written: readable up to the high watermark, still partly from memory.
  bool acked = false;
  log->when_durable(end - 1, [&](bool ok) { acked = ok; });
  ASSERT_TRUE(acked);
  ASSERT_EQ(log->high_watermark(), end);
  EXPECT_NE(log->read(log->segment_bases().back(), 1 << 20).slice.memory, nullptr);
  got = read_all(*log, 0);
  EXPECT_EQ(got.error, Errc::ok);
  EXPECT_EQ(got.batches, expected_batches(a, 0));
  ASSERT_EQ(log->close(), Errc::ok);
}

// Whole batches written back to back into a file, as a segment holds them.
struct BatchFile {
  std::vector<std::vector<uint8_t>> batches;
  std::vector<uint8_t> bytes;
  BatchFile() {
    int64_t base = 0;
    for (int seq = 0; seq < 30; ++seq) {
      auto b = seq % 10 == 9 ? make_batch(3, 1, "big", std::string(5000, 'b')) : batch_for(seq);
      auto v = view_of(b);
      v.set_base_offset(base);
      base = v.last_offset() + 1;
      bytes.insert(bytes.end(), b.begin(), b.end());
      batches.push_back(std::move(b));
    }
  }
};

std::vector<std::vector<uint8_t>> read_range(SegmentRangeReader& r) {
  std::vector<std::vector<uint8_t>> out;
  protocol::RecordBatchView v;
  uint64_t pos = 0;
  while (r.next(&v)) {
    EXPECT_EQ(r.position(), pos);
    pos += v.total_size();
    out.emplace_back(v.data(), v.data() + v.total_size());
  }
  return out;
}

TEST(SegmentRangeReaderTest, ReadsWholeBatchesInChunksOfAnySize) {
  test::TempDir dir;
  BatchFile f;
  const std::string path = dir.path() + "/00000000000000000000.log";
  ASSERT_EQ(write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(f.bytes.data()), f.bytes.size())),
            Errc::ok);
  FileHandle fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  for (size_t chunk : {size_t(1), size_t(100), size_t(4096), size_t(1) << 20}) {
    SegmentRangeReader r(chunk);
    r.reset(fd.get(), 0, f.bytes.size());
    EXPECT_EQ(read_range(r), f.batches) << "chunk " << chunk;
    EXPECT_EQ(r.error(), Errc::ok);
    // The same bytes from memory.
    r.reset(-1, 0, f.bytes.size(), f.bytes.data());
    EXPECT_EQ(read_range(r), f.batches) << "chunk " << chunk << " from memory";
    EXPECT_EQ(r.error(), Errc::ok);
  }
}

TEST(SegmentRangeReaderTest, StopsAtATornOrUnreadableBatch) {
  BatchFile f;
  SegmentRangeReader r(256);
  protocol::RecordBatchView v;
  // Cut inside the last batch: every batch before it, then corrupt_message.
  r.reset(-1, 0, f.bytes.size() - 10, f.bytes.data());
  auto got = read_range(r);
  EXPECT_EQ(got.size(), f.batches.size() - 1);
  EXPECT_EQ(r.error(), Errc::corrupt_message);
  EXPECT_FALSE(r.next(&v)) << "the error stays";
  // A batch length pointing past the range.
  auto bad = f.bytes;
  protocol::detail::store_be(bad.data() + protocol::kBatchLengthOffset, 1u << 30, 4);
  r.reset(-1, 0, bad.size(), bad.data());
  EXPECT_FALSE(r.next(&v));
  EXPECT_EQ(r.error(), Errc::corrupt_message);
  // An empty range is just the end.
  r.reset(-1, 0, 0, nullptr);
  EXPECT_FALSE(r.next(&v));
  EXPECT_EQ(r.error(), Errc::ok);
  // A file shorter than the range.
  test::TempDir dir;
  const std::string path = dir.path() + "/short.log";
  ASSERT_EQ(write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(f.bytes.data()), 100)), Errc::ok);
  FileHandle fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  r.reset(fd.get(), 0, f.bytes.size());
  while (r.next(&v)) {
  }
  EXPECT_EQ(r.error(), Errc::io_error);
}

}  // namespace
}  // namespace fjord::storage
