// The active segment's .log ends where its batches end while the log runs,
// as Kafka's tools expect (kafka-dump-log.sh stops at zeros with "Found
// record size 0 smaller than minimum record overhead"): with in-memory
// tails (direct writes, preallocated blocks) and without, in page-cache and
// durable mode; the blocks preallocated past the end are given back.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <random>

#include "storage/file_ops.h"
#include "storage/log/log_manager.h"
#include "storage/log/partition_log.h"
#include "storage/io/segment_tail.h"
#include "storage/io/write_pipeline.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

namespace fs = std::filesystem;
using test::view_of;

struct Mode {
  bool direct_io;
  bool durable;
};

std::string name_of(const ::testing::TestParamInfo<Mode>& p) {
  return std::string(p.param.direct_io ? "Direct" : "Buffered") + (p.param.durable ? "Durable" : "PageCache");
}

class ActiveSegmentLengthTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    config_.log_dirs = {dir_.path()};
    config_.direct_io = GetParam().direct_io;
    config_.defaults.segment_bytes = 1 << 20;
  }
  void open() {
    manager_ = std::make_unique<LogManager>(config_);
    ASSERT_EQ(manager_->open(), Errc::ok);
  }
  std::string partition_dir() const { return dir_.path() + "/t-0"; }
  std::string active_path() const {
    return partition_dir() + "/" + offset_file_name(log_->segment_bases().back(), ".log");
  }

  // Appends a batch of about `bytes` and waits for its ack.
  void append(size_t bytes) {
    append_batch(test::make_batch(1 + int(rng_() % 4), 1000 + log_->log_end_offset(), "k",
                                  std::string(bytes > 100 ? bytes - 100 : 1, char('a' + rng_() % 26))));
  }
  // Appends a one-record batch of exactly `bytes` when one can be made (at
  // least a header's worth), so that the segment ends on that boundary.
  void append_exactly(size_t bytes) {
    const size_t bare = test::make_batch(1, 0, "k", "").size();
    for (size_t value = bytes > bare + 4 ? bytes - bare - 4 : 0; value + bare <= bytes; ++value) {
      auto b = test::make_batch(1, 1000 + log_->log_end_offset(), "k", std::string(value, 'z'));
      if (b.size() != bytes) continue;
      ++aligned_ends_;
      return append_batch(std::move(b));
    }
  }
  void append_batch(std::vector<uint8_t> b) {
    AppendInfo info;
    ASSERT_EQ(log_->append(view_of(b), &info), Errc::ok);
    std::promise<bool> acked;
    log_->when_durable(info.last_offset, [&](bool ok) { acked.set_value(ok); });
    ASSERT_TRUE(acked.get_future().get());
    batches_[info.base_offset] = b.size();
    end_ = info.last_offset + 1;
  }

  // Reads the active .log as a tool would while the log stays open: whole
  // batches (CRC-clean, offsets contiguous) from its start to exactly its
  // end, and the file is as long as the batches appended to it.
  void expect_whole_batches_to_the_end() {
    // Page-cache acks come once a write is handed to the kernel: wait for
    // the device to have it, as a tool run a moment later would see it.
    ASSERT_GE(log_->writes().write_tails(), 0);
    const int64_t base = log_->segment_bases().back();
    uint64_t expected = 0;
    for (auto it = batches_.lower_bound(base); it != batches_.end(); ++it) expected += it->second;
    const auto path = active_path();
    FileHandle fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    struct stat st;
    ASSERT_EQ(::fstat(fd.get(), &st), 0);
    ASSERT_EQ(uint64_t(st.st_size), expected) << path << " runs past its batches";
    std::vector<uint8_t> bytes(expected);
    ASSERT_TRUE(expected == 0 || pread_all(fd.get(), bytes.data(), bytes.size(), 0));
    size_t pos = 0;
    int64_t next = base;
    while (pos < bytes.size()) {
      protocol::RecordBatchView v;
      ASSERT_EQ(protocol::RecordBatchView::parse(bytes.data() + pos, bytes.size() - pos, &v), protocol::BatchError::ok)
          << "at byte " << pos << " of " << bytes.size();
      ASSERT_TRUE(v.crc_valid()) << "at byte " << pos;
      ASSERT_EQ(v.base_offset(), next);
      next = v.last_offset() + 1;
      pos += v.total_size();
    }
    EXPECT_EQ(next, log_->log_end_offset());
  }

  // No .log keeps blocks past its end (a finished segment gives back what
  // the tail preallocated, 1 MiB ahead). The slack: a fragmented file's
  // extent tree blocks count too.
  void expect_no_blocks_past_the_end() {
    for (auto& e : fs::directory_iterator(partition_dir())) {
      if (e.path().extension() != ".log") continue;
      struct stat st;
      ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
      const uint64_t rounded = (uint64_t(st.st_size) + 4095) / 4096 * 4096;
      EXPECT_LE(uint64_t(st.st_blocks) * 512, rounded + (16 << 10)) << e.path();
    }
  }

  test::TempDir dir_;
  StorageConfig config_;
  std::unique_ptr<LogManager> manager_;
  std::shared_ptr<PartitionLog> log_;
  std::map<int64_t, uint64_t> batches_;  // base offset -> stored bytes
  int64_t end_ = 0;
  int aligned_ends_ = 0;
  std::mt19937 rng_{7};
};

TEST_P(ActiveSegmentLengthTest, TheActiveFileEndsWithItsLastBatch) {
  open();
  std::string err;
  std::map<std::string, std::string> overrides;
  if (!GetParam().durable) overrides["flush.ms"] = "3600000";  // page-cache mode
  ASSERT_EQ(manager_->create_topic("t", 1, overrides, nullptr, &err), Errc::ok) << err;
  log_ = manager_->partition("t", 0);
  ASSERT_TRUE(log_);
  expect_whole_batches_to_the_end();  // empty
  // Small batches (a round of a block or less), big ones (whole blocks
  // written directly), and ones ending exactly on a block boundary.
  for (int i = 0; i < 120; ++i) {
    const uint32_t k = rng_() % 10;
    if (k < 5) {
      append(150 + rng_() % 900);
    } else if (k < 9) {
      append(5000 + rng_() % 40000);
    } else {
      // The segment ends on a block boundary after this one (the next
      // block, or the one after if too close for a batch).
      struct stat st;
      ASSERT_EQ(::stat(active_path().c_str(), &st), 0);
      append_exactly(4096 - uint64_t(st.st_size) % 4096 + (uint64_t(st.st_size) % 4096 > 3900 ? 4096 : 0));
    }
    if (i % 5 == 0) expect_whole_batches_to_the_end();
    if (HasFatalFailure()) return;
  }
  expect_whole_batches_to_the_end();
  EXPECT_GE(aligned_ends_, 5);
  EXPECT_GE(log_->segment_count(), 2u);  // rolled at least once
  log_.reset();
  manager_->shutdown();
  expect_no_blocks_past_the_end();
}

// Blocks a crash left preallocated past the active segment's end are given
// back by recovery, and the log reads on.
TEST_P(ActiveSegmentLengthTest, RecoveryGivesBackPreallocatedBlocks) {
  open();
  std::string err;
  ASSERT_EQ(manager_->create_topic("t", 1, {}, nullptr, &err), Errc::ok) << err;
  log_ = manager_->partition("t", 0);
  for (int i = 0; i < 10; ++i) append(3000);
  const auto path = active_path();
  log_.reset();
  manager_->shutdown();
  {
    FileHandle fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    struct stat st;
    ASSERT_EQ(::fstat(fd.get(), &st), 0);
    if (::fallocate(fd.get(), FALLOC_FL_KEEP_SIZE, st.st_size, 4 << 20) != 0) GTEST_SKIP() << "no fallocate here";
  }
  fs::remove(dir_.path() + "/.kafka_cleanshutdown");  // as after a crash
  open();
  log_ = manager_->partition("t", 0);
  ASSERT_TRUE(log_);
  EXPECT_EQ(log_->log_end_offset(), end_);
  expect_no_blocks_past_the_end();
  append(2000);
  expect_whole_batches_to_the_end();
}

INSTANTIATE_TEST_SUITE_P(Modes, ActiveSegmentLengthTest,
                         ::testing::Values(Mode{true, false}, Mode{true, true}, Mode{false, false}, Mode{false, true}),
                         name_of);

}  // namespace
}  // namespace fjord::storage
