// ProducerStateTable: Kafka's ProducerAppendInfo checks (duplicates, gaps,
// epochs, transactions), expiry, and the snapshot's byte format.
#include "storage/log/producer_state_table.h"

#include <gtest/gtest.h>

#include "protocol/records/crc32c.h"
#include "protocol/records/record_batch_builder.h"
#include "storage/log/producer_snapshot.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

struct Batch {
  std::vector<uint8_t> bytes;
  protocol::RecordBatchView view() {
    protocol::RecordBatchView v;
    protocol::RecordBatchView::parse(bytes.data(), bytes.size(), &v);
    return v;
  }
};

Batch data(int64_t pid, int16_t epoch, int32_t seq, int records, bool transactional = false, int64_t ts = 1000) {
  protocol::BatchOptions o;
  o.producer_id = pid;
  o.producer_epoch = epoch;
  o.base_sequence = seq;
  o.transactional = transactional;
  protocol::RecordBatchBuilder b(o);
  for (int i = 0; i < records; ++i) b.add(ts + i, std::nullopt, std::string_view("v"));
  return {b.build()};
}

Batch marker(int64_t pid, int16_t epoch, bool commit, int32_t coordinator_epoch = 0) {
  protocol::BatchOptions o;
  o.producer_id = pid;
  o.producer_epoch = epoch;
  o.transactional = true;
  o.control = true;
  protocol::RecordBatchBuilder b(o);
  b.add_control(5000, commit ? protocol::ControlType::commit : protocol::ControlType::abort, coordinator_epoch);
  return {b.build()};
}

class ProducerStateTableTest : public ::testing::Test {
 protected:
  // Checks and, when accepted and new, records at the next offsets.
  Errc append(Batch b, int64_t* base_out = nullptr) {
    auto v = b.view();
    auto c = table_.check(v);
    if (c.error != Errc::ok) return c.error;
    if (c.duplicate) {
      if (base_out) *base_out = c.duplicate->first_offset();
      return Errc::ok;
    }
    const int64_t base = next_;
    next_ += v.last_offset_delta() + 1;
    table_.record(v, base, next_ - 1, &completed_);
    if (base_out) *base_out = base;
    return Errc::ok;
  }
  ProducerStateTable table_;
  int64_t next_ = 0;
  std::optional<CompletedTxn> completed_;
};

TEST_F(ProducerStateTableTest, AcceptsConsecutiveSequences) {
  EXPECT_EQ(append(data(7, 0, 0, 3)), Errc::ok);
  EXPECT_EQ(append(data(7, 0, 3, 2)), Errc::ok);
  const auto& e = table_.producers().at(7);
  EXPECT_EQ(e.last_seq(), 4);
  EXPECT_EQ(e.batch_count, 2);
  EXPECT_EQ(e.last_batch()->last_offset, 4);
}

TEST_F(ProducerStateTableTest, ARetryOfAnyOfTheLastFiveBatchesGetsItsOriginalOffset) {
  for (int i = 0; i < 6; ++i) ASSERT_EQ(append(data(7, 0, i * 2, 2)), Errc::ok);
  int64_t base = -1;
  EXPECT_EQ(append(data(7, 0, 4, 2), &base), Errc::ok);  // the third batch
  EXPECT_EQ(base, 4);
  EXPECT_EQ(next_, 12);  // nothing appended
  // The first batch left the cache: a retry of it is out of order now.
  EXPECT_EQ(append(data(7, 0, 0, 2)), Errc::out_of_order_sequence);
}

TEST_F(ProducerStateTableTest, AGapIsOutOfOrder) {
  ASSERT_EQ(append(data(7, 0, 0, 2)), Errc::ok);
  EXPECT_EQ(append(data(7, 0, 5, 1)), Errc::out_of_order_sequence);
  EXPECT_EQ(append(data(7, 0, 1, 1)), Errc::out_of_order_sequence);  // overlaps, not a cached batch
  EXPECT_EQ(append(data(7, 0, 2, 1)), Errc::ok);
}

TEST_F(ProducerStateTableTest, SequencesWrapAtIntMax) {
  ASSERT_EQ(append(data(7, 0, INT32_MAX - 1, 2)), Errc::ok);
  EXPECT_EQ(table_.producers().at(7).last_seq(), INT32_MAX);
  EXPECT_EQ(append(data(7, 0, 0, 1)), Errc::ok);
}

TEST_F(ProducerStateTableTest, AnUnknownProducerMayStartAtAnySequence) {
  // Kafka 2.5+ (KIP-360): state may have expired or been deleted.
  EXPECT_EQ(append(data(9, 3, 42, 1)), Errc::ok);
  EXPECT_EQ(append(data(9, 3, 43, 1)), Errc::ok);
}

TEST_F(ProducerStateTableTest, EpochsFenceOlderProducersAndANewEpochStartsAtZero) {
  ASSERT_EQ(append(data(7, 1, 0, 2)), Errc::ok);
  EXPECT_EQ(append(data(7, 0, 2, 1)), Errc::invalid_producer_epoch);
  EXPECT_EQ(append(data(7, 2, 5, 1)), Errc::out_of_order_sequence);
  EXPECT_EQ(append(data(7, 2, 0, 1)), Errc::ok);
  EXPECT_EQ(table_.producers().at(7).epoch, 2);
  EXPECT_EQ(table_.producers().at(7).batch_count, 1);  // the old epoch's batches are forgotten
}

TEST_F(ProducerStateTableTest, TransactionsBoundTheStableOffsetUntilTheMarkerIsBelowTheHighWatermark) {
  ASSERT_EQ(append(data(1, 0, 0, 2)), Errc::ok);        // 0-1 plain idempotent
  ASSERT_EQ(append(data(2, 0, 0, 3, true)), Errc::ok);  // 2-4 transactional
  EXPECT_EQ(table_.producers().at(2).txn_first_offset, 2);
  EXPECT_EQ(table_.first_unstable_offset(5), 2);
  // A non-transactional write inside the transaction is refused.
  EXPECT_EQ(append(data(2, 0, 3, 1, false)), Errc::invalid_txn_state);
  ASSERT_EQ(append(marker(2, 0, false, 4)), Errc::ok);  // abort at 5
  ASSERT_TRUE(completed_);
  EXPECT_EQ(completed_->first_offset, 2);
  EXPECT_EQ(completed_->last_offset, 5);
  EXPECT_TRUE(completed_->aborted);
  EXPECT_EQ(table_.last_stable_offset_for(*completed_), 6);
  EXPECT_EQ(table_.producers().at(2).txn_first_offset, -1);
  EXPECT_EQ(table_.producers().at(2).coordinator_epoch, 4);
  EXPECT_EQ(table_.first_unstable_offset(5), 2);  // marker not yet below the high watermark
  EXPECT_EQ(table_.first_unstable_offset(6), std::nullopt);
}

TEST_F(ProducerStateTableTest, MarkersFromOlderEpochsOrCoordinatorsAreFenced) {
  ASSERT_EQ(append(data(2, 3, 0, 1, true)), Errc::ok);
  ASSERT_EQ(append(marker(2, 3, true, 5)), Errc::ok);
  EXPECT_EQ(append(marker(2, 2, true, 5)), Errc::invalid_producer_epoch);
  EXPECT_EQ(append(marker(2, 3, true, 4)), Errc::transaction_coordinator_fenced);
}

TEST_F(ProducerStateTableTest, AnotherOngoingTransactionBoundsAnAbortsStableOffset) {
  ASSERT_EQ(append(data(1, 0, 0, 1, true)), Errc::ok);  // 0
  ASSERT_EQ(append(data(2, 0, 0, 1, true)), Errc::ok);  // 1
  ASSERT_EQ(append(marker(2, 0, false)), Errc::ok);     // 2
  EXPECT_EQ(table_.last_stable_offset_for(*completed_), 0);
}

TEST_F(ProducerStateTableTest, IdleProducersExpireUnlessInATransaction) {
  ASSERT_EQ(append(data(1, 0, 0, 1, false, 1000)), Errc::ok);
  ASSERT_EQ(append(data(2, 0, 0, 1, true, 1000)), Errc::ok);
  ASSERT_EQ(append(data(3, 0, 0, 1, false, 9000)), Errc::ok);
  EXPECT_EQ(table_.expire(10000, 5000), 1u);
  EXPECT_FALSE(table_.producers().count(1));
  EXPECT_TRUE(table_.producers().count(2));
  EXPECT_TRUE(table_.producers().count(3));
}

TEST_F(ProducerStateTableTest, SnapshotIsKafkasByteFormat) {
  ASSERT_EQ(append(data(0x0102, 5, 10, 3, false, 777)), Errc::ok);  // offsets 0-2
  const auto bytes = encode_producer_snapshot(table_);
  std::vector<uint8_t> want = {0, 1, 0, 0, 0, 0,  // version 1, crc (below)
                               0, 0, 0, 1,        // one entry
                               0, 0, 0, 0, 0, 0, 1, 2,  // producer id
                               0, 5,                    // epoch
                               0, 0, 0, 12,             // last sequence
                               0, 0, 0, 0, 0, 0, 0, 2,  // last offset
                               0, 0, 0, 2,              // offset delta
                               0, 0, 0, 0, 0, 0, 3, 11,  // timestamp (max: 779)
                               0xff, 0xff, 0xff, 0xff,  // coordinator epoch -1
                               0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};  // no transaction
  const uint32_t crc = protocol::crc32c(want.data() + 6, want.size() - 6);
  protocol::detail::store_be(want.data() + 2, crc, 4);
  EXPECT_EQ(bytes, want);

  std::vector<ProducerEntry> entries;
  ASSERT_TRUE(decode_producer_snapshot(bytes.data(), bytes.size(), &entries));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].producer_id, 0x0102);
  EXPECT_EQ(entries[0].epoch, 5);
  EXPECT_EQ(entries[0].last_seq(), 12);
  EXPECT_EQ(entries[0].last_batch()->first_seq(), 10);
  EXPECT_EQ(entries[0].last_batch()->first_offset(), 0);
  auto torn = bytes;
  torn.back() ^= 1;
  EXPECT_FALSE(decode_producer_snapshot(torn.data(), torn.size(), &entries));
}

TEST_F(ProducerStateTableTest, SnapshotRoundTripThroughAFileKeepsDuplicateDetectionForTheLastBatch) {
  test::TempDir dir;
  ASSERT_EQ(append(data(7, 0, 0, 2)), Errc::ok);
  ASSERT_EQ(append(data(8, 1, 0, 1, true)), Errc::ok);
  ASSERT_EQ(write_producer_snapshot(dir.path(), next_, encode_producer_snapshot(table_), true), Errc::ok);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/00000000000000000003.snapshot"));
  ProducerStateTable loaded;
  EXPECT_EQ(load_latest_producer_snapshot(dir.path(), 2, &loaded), std::nullopt);  // above max: ignored
  ASSERT_EQ(load_latest_producer_snapshot(dir.path(), 3, &loaded), 3);
  auto retry = data(7, 0, 0, 2);
  auto c = loaded.check(retry.view());
  ASSERT_TRUE(c.duplicate);
  EXPECT_EQ(c.duplicate->first_offset(), 0);
  EXPECT_EQ(loaded.producers().at(8).txn_first_offset, 2);
  EXPECT_EQ(loaded.first_unstable_offset(10), 2);
}

}  // namespace
}  // namespace fjord::storage
