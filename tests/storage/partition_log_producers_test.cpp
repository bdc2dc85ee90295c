// PartitionLog with producer ids: duplicates answered with their original
// offsets, bad sequences and epochs refused, transactions bounding the last
// stable offset, aborts in the .txnindex, and the state rebuilt at open.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "protocol/records/record_batch_builder.h"
#include "storage/io/flusher.h"
#include "storage/log/partition_log.h"
#include "storage/log/partition_metadata.h"
#include "storage/log/producer_snapshot.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

using test::view_of;

std::vector<uint8_t> data(int64_t pid, int16_t epoch, int32_t seq, int records, bool transactional = false) {
  protocol::BatchOptions o;
  o.producer_id = pid;
  o.producer_epoch = epoch;
  o.base_sequence = seq;
  o.transactional = transactional;
  protocol::RecordBatchBuilder b(o);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (int i = 0; i < records; ++i) b.add(now, std::nullopt, std::string_view("v"));
  return b.build();
}

class PartitionLogProducersTest : public ::testing::Test {
 protected:
  void open(bool clean = true, LogConfig cfg = {}) {
    log_.reset();
    ASSERT_EQ(PartitionLog::open(dir_.path() + "/t-0", "t", 0, random_topic_id(), cfg, clean, &flusher_, &log_),
              Errc::ok);
  }
  Errc append(std::vector<uint8_t> bytes, AppendInfo* info_out = nullptr) {
    AppendInfo info;
    Errc e = log_->append(view_of(bytes), &info);
    if (e != Errc::ok) return e;
    durable(info.last_offset);
    if (info_out) *info_out = info;
    return e;
  }
  void durable(int64_t offset) {
    std::promise<bool> p;
    log_->when_durable(offset, [&](bool ok) { p.set_value(ok); });
    EXPECT_TRUE(p.get_future().get());
  }
  test::TempDir dir_;
  Flusher flusher_;
  std::shared_ptr<PartitionLog> log_;
};

TEST_F(PartitionLogProducersTest, ARetriedBatchIsAnsweredWithItsOriginalOffsetsAndNotAppended) {
  open();
  AppendInfo first, retry;
  ASSERT_EQ(append(data(5, 0, 0, 3), &first), Errc::ok);
  ASSERT_EQ(append(data(5, 0, 3, 2)), Errc::ok);
  ASSERT_EQ(append(data(5, 0, 0, 3), &retry), Errc::ok);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, first.base_offset);
  EXPECT_EQ(retry.last_offset, 2);
  EXPECT_EQ(log_->log_end_offset(), 5);
}

TEST_F(PartitionLogProducersTest, GapsAndStaleEpochsAreRefused) {
  open();
  ASSERT_EQ(append(data(5, 1, 0, 1)), Errc::ok);
  EXPECT_EQ(append(data(5, 1, 2, 1)), Errc::out_of_order_sequence);
  EXPECT_EQ(append(data(5, 0, 1, 1)), Errc::invalid_producer_epoch);
  EXPECT_EQ(log_->log_end_offset(), 1);
}

TEST_F(PartitionLogProducersTest, PlainBatchesLeaveTheTableEmpty) {
  open();
  ASSERT_EQ(append(test::make_batch(3, 1000)), Errc::ok);
  EXPECT_TRUE(log_->producer_states().empty());
  EXPECT_EQ(log_->last_stable_offset(), 3);
}

TEST_F(PartitionLogProducersTest, TransactionsHoldTheStableOffsetAndAbortsGoToTheTxnIndex) {
  open();
  ASSERT_EQ(append(data(1, 0, 0, 2)), Errc::ok);        // 0-1
  ASSERT_EQ(append(data(2, 0, 0, 3, true)), Errc::ok);  // 2-4
  ASSERT_EQ(append(data(1, 0, 2, 1)), Errc::ok);        // 5
  EXPECT_EQ(log_->high_watermark(), 6);
  EXPECT_EQ(log_->last_stable_offset(), 2);
  auto r = log_->read(0, 1 << 20, true, log_->last_stable_offset());
  EXPECT_EQ(test::batch_offsets(test::slice_bytes(r.slice)).size(), 1u);  // only the batch below 2
  EXPECT_EQ(r.last_stable_offset, 2);
  AppendInfo marker;
  ASSERT_EQ(log_->append_txn_marker(2, 0, false, 7, &marker), Errc::ok);  // abort at 6
  EXPECT_EQ(marker.base_offset, 6);
  durable(marker.last_offset);
  EXPECT_EQ(log_->last_stable_offset(), 7);
  auto aborted = log_->aborted_transactions(0, 7);
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0], (AbortedTxn{2, 2, 6, 7}));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/t-0/00000000000000000000.txnindex"));
  // A marker from an older coordinator epoch is fenced.
  EXPECT_EQ(log_->append_txn_marker(2, 0, true, 6, nullptr), Errc::transaction_coordinator_fenced);
}

TEST_F(PartitionLogProducersTest, CleanShutdownSnapshotsAndReopenKeepsDuplicateDetection) {
  open();
  ASSERT_EQ(append(data(5, 0, 0, 3)), Errc::ok);
  ASSERT_EQ(append(data(6, 0, 0, 1, true)), Errc::ok);
  ASSERT_EQ(log_->close(), Errc::ok);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/t-0/00000000000000000004.snapshot"));
  open(true);
  AppendInfo retry;
  ASSERT_EQ(append(data(5, 0, 0, 3), &retry), Errc::ok);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, 0);
  EXPECT_EQ(append(data(5, 0, 9, 1)), Errc::out_of_order_sequence);
  EXPECT_EQ(log_->last_stable_offset(), 3);  // the open transaction survived
}

TEST_F(PartitionLogProducersTest, RecoveryReplaysTheLogAfterTheLatestSnapshot) {
  LogConfig cfg;
  cfg.segment_bytes = 400;  // a roll every few batches, each with a snapshot
  open(true, cfg);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(append(data(5, 0, i * 2, 2)), Errc::ok);
  ASSERT_EQ(append(data(8, 0, 0, 1, true)), Errc::ok);  // 20
  ASSERT_EQ(log_->append_txn_marker(8, 0, false, 0, nullptr), Errc::ok);  // 21
  ASSERT_EQ(append(data(9, 0, 0, 1, true)), Errc::ok);  // 22, still open
  EXPECT_GT(producer_snapshot_offsets(dir_.path() + "/t-0").size(), 0u);
  // No close: as after a crash (the snapshot of a clean shutdown is missing).
  log_.reset();
  open(false, cfg);
  AppendInfo retry;
  ASSERT_EQ(append(data(5, 0, 18, 2), &retry), Errc::ok);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, 18);
  EXPECT_EQ(append(data(5, 0, 21, 1)), Errc::out_of_order_sequence);
  EXPECT_EQ(log_->last_stable_offset(), 22);
  auto aborted = log_->aborted_transactions(0, 23);
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0].producer_id, 8);
  EXPECT_EQ(aborted[0].first_offset, 20);
}

TEST_F(PartitionLogProducersTest, ReplayWritesALostTxnIndexEntryAgain) {
  open();
  ASSERT_EQ(append(data(8, 0, 0, 2, true)), Errc::ok);                    // 0-1
  ASSERT_EQ(log_->append_txn_marker(8, 0, false, 0, nullptr), Errc::ok);  // 2
  durable(2);
  log_.reset();  // no clean shutdown
  std::filesystem::remove(dir_.path() + "/t-0/00000000000000000000.txnindex");
  open(false);
  auto aborted = log_->aborted_transactions(0, 3);
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0], (AbortedTxn{8, 0, 2, 3}));
}

TEST_F(PartitionLogProducersTest, TruncationForgetsWhatTheCutBatchesTaught) {
  open();
  ASSERT_EQ(append(data(5, 0, 0, 2)), Errc::ok);
  ASSERT_EQ(append(data(5, 0, 2, 2)), Errc::ok);
  ASSERT_EQ(log_->truncate_to(2), Errc::ok);
  EXPECT_EQ(append(data(5, 0, 2, 2)), Errc::ok);  // no longer a duplicate: appended again
  EXPECT_EQ(log_->log_end_offset(), 4);
}

TEST_F(PartitionLogProducersTest, ExpiryForgetsIdleProducers) {
  open();
  ASSERT_EQ(append(data(5, 0, 0, 1)), Errc::ok);
  EXPECT_EQ(log_->expire_producers(INT64_MAX / 2, 1000), 1u);
  EXPECT_TRUE(log_->producer_states().empty());
}

}  // namespace
}  // namespace fjord::storage

namespace fjord::storage {
namespace {

TEST_F(PartitionLogProducersTest, TruncatingEverythingForgetsEveryProducer) {
  open();
  ASSERT_EQ(append(data(5, 0, 0, 2)), Errc::ok);
  ASSERT_EQ(log_->close(), Errc::ok);  // a snapshot at 2
  open(true);
  ASSERT_EQ(log_->truncate_to(0), Errc::ok);
  EXPECT_TRUE(log_->producer_states().empty());
  EXPECT_TRUE(producer_snapshot_offsets(dir_.path() + "/t-0").empty());
}

}  // namespace
}  // namespace fjord::storage
