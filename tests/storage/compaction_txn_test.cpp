// Compaction and transactions: aborted data goes, markers follow Kafka's
// cleaner, and nothing past the last stable offset is cleaned.
#include <gtest/gtest.h>

#include <chrono>

#include "protocol/records/record_batch_builder.h"
#include "storage/log/partition_log.h"
#include "storage/log/partition_metadata.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

using test::view_of;

std::vector<uint8_t> keyed(const std::string& key, const std::string& value, int64_t pid = -1, int32_t seq = -1,
                           bool transactional = false) {
  protocol::BatchOptions o;
  o.producer_id = pid;
  o.producer_epoch = pid >= 0 ? 0 : -1;
  o.base_sequence = seq;
  o.transactional = transactional;
  protocol::RecordBatchBuilder b(o);
  b.add(1000, key, value);
  return b.build();
}

// Offsets of the batches left, and whether each is a control batch.
std::vector<std::pair<int64_t, bool>> batches(PartitionLog& log) {
  std::vector<std::pair<int64_t, bool>> out;
  for (int64_t off = log.log_start_offset(); off < log.log_end_offset();) {
    auto bytes = test::slice_bytes(log.read(off, 1 << 20).slice);
    if (bytes.empty()) break;
    for (size_t pos = 0; pos < bytes.size();) {
      protocol::RecordBatchView v;
      EXPECT_EQ(protocol::RecordBatchView::parse(bytes.data() + pos, bytes.size() - pos, &v), protocol::BatchError::ok);
      out.emplace_back(v.base_offset(), v.control());
      off = v.last_offset() + 1;
      pos += v.total_size();
    }
  }
  return out;
}

class CompactionTxnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.cleanup_compact = true;
    cfg_.cleanup_delete = false;
    cfg_.segment_bytes = 120;  // about a batch per segment
    cfg_.delete_retention_ms = 0;
    ASSERT_EQ(PartitionLog::open(dir_.path() + "/c-0", "c", 0, random_topic_id(), cfg_, true, nullptr, &log_),
              Errc::ok);
  }
  void append(std::vector<uint8_t> b) { ASSERT_EQ(log_->append(view_of(b), nullptr), Errc::ok); }
  int64_t later() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
               .count() + 1000;
  }
  test::TempDir dir_;
  LogConfig cfg_;
  std::shared_ptr<PartitionLog> log_;
};

TEST_F(CompactionTxnTest, AbortedDataGoesAndItsMarkerFollowsOnTheNextPass) {
  append(keyed("k0", "a"));                               // 0
  append(keyed("k0", "aborted", 7, 0, true));             // 1
  ASSERT_EQ(log_->append_txn_marker(7, 0, false, 0, nullptr), Errc::ok);  // 2: abort
  append(keyed("k2", "z", 7, 1, true));                   // 3
  ASSERT_EQ(log_->append_txn_marker(7, 0, true, 0, nullptr), Errc::ok);   // 4: commit
  append(keyed("k3", "w"));                               // 5
  append(keyed("k4", "v"));                               // 6 (active)
  ASSERT_EQ(log_->flush(), Errc::ok);
  ASSERT_EQ(log_->aborted_transactions(0, 7).size(), 1u);

  ASSERT_EQ(log_->compact(later(), 1 << 20, true), Errc::ok);
  // The aborted batch is gone; "k0"="a" was not shadowed by it. Its abort
  // marker stays (this pass removed its data), with its .txnindex entry.
  EXPECT_EQ(batches(*log_), (std::vector<std::pair<int64_t, bool>>{{0, false}, {2, true}, {3, false}, {4, true},
                                                                      {5, false}, {6, false}}));
  ASSERT_EQ(log_->aborted_transactions(0, 7).size(), 1u);

  append(keyed("k7", "new"));  // 7: something dirty for another pass
  append(keyed("k8", "new"));  // 8 (active)
  ASSERT_EQ(log_->flush(), Errc::ok);
  ASSERT_EQ(log_->compact(later(), 1 << 20, true), Errc::ok);
  // Nothing of the aborted transaction is left: the marker goes too. The
  // commit marker stays while its transaction has data.
  EXPECT_EQ(batches(*log_), (std::vector<std::pair<int64_t, bool>>{{0, false}, {3, false}, {4, true}, {5, false},
                                                                      {6, false}, {7, false}, {8, false}}));
  EXPECT_TRUE(log_->aborted_transactions(0, 7).empty());
}

TEST_F(CompactionTxnTest, NothingPastTheLastStableOffsetIsCleaned) {
  append(keyed("k0", "open", 9, 0, true));  // 0: undecided
  for (int i = 0; i < 4; ++i) append(keyed("k1", "v" + std::to_string(i)));
  ASSERT_EQ(log_->flush(), Errc::ok);
  EXPECT_EQ(log_->last_stable_offset(), 0);
  const int64_t before = log_->size_bytes();
  ASSERT_EQ(log_->compact(later(), 1 << 20, true), Errc::ok);
  EXPECT_EQ(log_->size_bytes(), before);
  ASSERT_EQ(log_->append_txn_marker(9, 0, true, 0, nullptr), Errc::ok);
  append(keyed("k5", "last"));
  ASSERT_EQ(log_->flush(), Errc::ok);
  ASSERT_EQ(log_->compact(later(), 1 << 20, true), Errc::ok);
  EXPECT_LT(log_->size_bytes(), before);  // k1's older values went
}

}  // namespace
}  // namespace fjord::storage
