// The leader epoch a PartitionLog stamps into appended batches and its
// leader-epoch-checkpoint (Kafka's UnifiedLog behaviour).
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "storage/file_ops.h"
#include "storage/io/flusher.h"
#include "storage/log/leader_epoch_cache.h"
#include "storage/log/partition_log.h"
#include "storage/log/partition_metadata.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

using test::make_batch;
using test::slice_bytes;
using test::view_of;
using Entries = std::vector<EpochEntry>;

class PartitionLogEpochsTest : public ::testing::Test {
 protected:
  void open(bool clean = true) {
    if (log_) log_->close();
    log_.reset();
    ASSERT_EQ(PartitionLog::open(dir(), "t", 0, random_topic_id(), LogConfig{}, clean, &flusher_, &log_), Errc::ok);
  }
  std::string dir() const { return dir_.path() + "/t-0"; }
  std::string checkpoint() const {
    std::string text;
    EXPECT_TRUE(read_small_file(dir() + "/leader-epoch-checkpoint", &text));
    return text;
  }
  int64_t append(int records) {
    auto bytes = make_batch(records, 1000);
    AppendInfo info;
    EXPECT_EQ(log_->append(view_of(bytes), &info), Errc::ok);
    std::promise<bool> p;
    log_->when_durable(info.last_offset, [&](bool ok) { p.set_value(ok); });
    EXPECT_TRUE(p.get_future().get());
    return info.base_offset;
  }
  // Every stored batch's (base offset, leader epoch), checking each CRC.
  std::vector<std::pair<int64_t, int32_t>> stored_epochs() {
    std::vector<std::pair<int64_t, int32_t>> out;
    int64_t offset = log_->log_start_offset();
    while (offset < log_->log_end_offset()) {
      auto r = log_->read(offset, 1 << 20);
      EXPECT_EQ(r.error, Errc::ok);
      auto bytes = slice_bytes(r.slice);
      if (bytes.empty()) break;
      size_t pos = 0;
      protocol::RecordBatchView v;
      while (pos < bytes.size() &&
             protocol::RecordBatchView::parse(bytes.data() + pos, bytes.size() - pos, &v) == protocol::BatchError::ok) {
        EXPECT_TRUE(v.crc_valid());
        out.emplace_back(v.base_offset(), v.partition_leader_epoch());
        offset = v.last_offset() + 1;
        pos += v.total_size();
      }
    }
    return out;
  }
  void TearDown() override {
    if (log_) log_->close();
  }
  test::TempDir dir_;
  Flusher flusher_;
  std::shared_ptr<PartitionLog> log_;
};

TEST_F(PartitionLogEpochsTest, EveryBatchCarriesTheLeaderEpoch) {
  open();
  EXPECT_EQ(log_->leader_epoch(), 0);
  EXPECT_EQ(checkpoint(), "0\n1\n0 0\n");  // a new partition's leader starts epoch 0 at offset 0
  for (int i = 0; i < 20; ++i) append(1 + i % 3);  // the producer's batches say -1
  auto stored = stored_epochs();
  ASSERT_EQ(stored.size(), 20u);
  for (auto& [base, epoch] : stored) EXPECT_EQ(epoch, 0) << base;
  EXPECT_EQ(checkpoint(), "0\n1\n0 0\n");  // appends in the same epoch write nothing
  open();  // reopened: the same epoch, the same file
  EXPECT_EQ(log_->leader_epoch(), 0);
  EXPECT_EQ(checkpoint(), "0\n1\n0 0\n");
}

TEST_F(PartitionLogEpochsTest, ANewEpochStartsAtTheLogEnd) {
  open();
  append(3);
  append(2);  // offsets 0..4
  ASSERT_EQ(log_->set_leader_epoch(3), Errc::ok);
  EXPECT_EQ(checkpoint(), "0\n2\n0 0\n3 5\n");
  append(4);  // 5..8
  EXPECT_EQ(stored_epochs(), (std::vector<std::pair<int64_t, int32_t>>{{0, 0}, {3, 0}, {5, 3}}));
  using P = std::pair<int32_t, int64_t>;
  EXPECT_EQ(log_->end_offset_for_epoch(0), (P{0, 5}));
  EXPECT_EQ(log_->end_offset_for_epoch(2), (P{0, 5}));
  EXPECT_EQ(log_->end_offset_for_epoch(3), (P{3, 9}));
  EXPECT_EQ(log_->end_offset_for_epoch(4), (P{-1, -1}));
  EXPECT_EQ(log_->set_leader_epoch(-1), Errc::invalid_request);
  open();  // the epoch survives a restart
  EXPECT_EQ(log_->leader_epoch(), 3);
  EXPECT_EQ(log_->leader_epochs().entries(), (Entries{{0, 0}, {3, 5}}));
  append(1);
  EXPECT_EQ(stored_epochs().back(), (std::pair<int64_t, int32_t>{9, 3}));
}

TEST_F(PartitionLogEpochsTest, TruncationDropsEpochsPastTheNewEnd) {
  open();
  append(5);  // 0..4
  ASSERT_EQ(log_->set_leader_epoch(1), Errc::ok);
  append(5);  // 5..9, epoch 1
  ASSERT_EQ(log_->set_leader_epoch(2), Errc::ok);
  append(5);  // 10..14, epoch 2
  ASSERT_EQ(log_->truncate_to(7), Errc::ok);  // cuts at the batch holding 7: end 5
  EXPECT_EQ(log_->log_end_offset(), 5);
  // Epochs 1 and 2 started at or after 5 and are gone; the current epoch starts at the new end.
  EXPECT_EQ(log_->leader_epochs().entries(), (Entries{{0, 0}, {2, 5}}));
  EXPECT_EQ(checkpoint(), "0\n2\n0 0\n2 5\n");
  append(1);
  EXPECT_EQ(stored_epochs().back(), (std::pair<int64_t, int32_t>{5, 2}));
  ASSERT_EQ(log_->truncate_to(0), Errc::ok);  // nothing survives
  EXPECT_EQ(log_->leader_epochs().entries(), (Entries{{2, 0}}));
  EXPECT_EQ(checkpoint(), "0\n1\n2 0\n");
}

TEST_F(PartitionLogEpochsTest, TheFirstEpochFollowsTheLogStart) {
  open();
  append(5);
  ASSERT_EQ(log_->set_leader_epoch(1), Errc::ok);
  append(5);  // 5..9
  int64_t start = -1;
  ASSERT_EQ(log_->delete_records_before(3, &start), Errc::ok);
  EXPECT_EQ(log_->leader_epochs().entries(), (Entries{{0, 3}, {1, 5}}));
  ASSERT_EQ(log_->delete_records_before(7, &start), Errc::ok);
  EXPECT_EQ(log_->leader_epochs().entries(), (Entries{{1, 7}}));
  EXPECT_EQ(checkpoint(), "0\n1\n1 7\n");
  open();
  EXPECT_EQ(log_->leader_epochs().entries(), (Entries{{1, 7}}));
}

TEST_F(PartitionLogEpochsTest, ALostOrBrokenCheckpointIsRebuiltFromTheLog) {
  open();
  append(4);
  log_->close();
  log_.reset();
  for (const char* broken : {"", "0\n2\n0 0\n"}) {
    ASSERT_EQ(write_file_atomic(dir() + "/leader-epoch-checkpoint", broken), Errc::ok);
    open();
    EXPECT_EQ(log_->leader_epochs().entries(), (Entries{{0, 0}})) << broken;  // the first batch's epoch, from the log start
    log_->close();
    log_.reset();
  }
  std::filesystem::remove(dir() + "/leader-epoch-checkpoint");
  open(false);  // unclean, too
  EXPECT_EQ(log_->leader_epochs().entries(), (Entries{{0, 0}}));
  EXPECT_EQ(checkpoint(), "0\n1\n0 0\n");
}

TEST_F(PartitionLogEpochsTest, EpochsBeyondARecoveredLogEndGo) {
  open();
  append(5);
  log_->close();
  log_.reset();
  // A checkpoint ahead of the log (the log lost its tail in a crash).
  ASSERT_EQ(write_file_atomic(dir() + "/leader-epoch-checkpoint", "0\n2\n0 0\n4 9\n"), Errc::ok);
  open(false);
  EXPECT_EQ(log_->leader_epochs().entries(), (Entries{{0, 0}}));
  EXPECT_EQ(log_->leader_epoch(), 0);
}

}  // namespace
}  // namespace fjord::storage
