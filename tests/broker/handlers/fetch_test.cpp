#include <gtest/gtest.h>

#include "handler_fixture.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, FetchReturnsFileSliceAndWaitsForData) {
  create("f", 1, 1);
  auto data = batch(4);
  produce("f", data, -1);

  protocol::FetchRequest req;
  req.max_wait_ms = 100;
  req.min_bytes = 1;
  auto& t = req.topics.emplace_back();
  t.topic = "f";
  auto& p = t.partitions.emplace_back();
  p.fetch_offset = 0;
  p.partition_max_bytes = 1 << 20;
  Answer a = call(req, 11);
  ASSERT_EQ(a.kind, SlotOutcome::respond);
  EXPECT_EQ(a.response.data.splices().size(), 1u);  // records are not copied
  auto bytes = flatten(a.response);
  protocol::Reader r(bytes.data() + 8, bytes.size() - 8);
  protocol::FetchResponse resp;
  ASSERT_TRUE(resp.decode(r, 11));
  ASSERT_EQ(resp.responses.size(), 1u);
  auto& pd = resp.responses[0].partitions[0];
  EXPECT_EQ(pd.error_code, 0);
  EXPECT_EQ(pd.high_watermark, 4);
  EXPECT_EQ(pd.records.size, data.size());

  // At the end of the log the fetch waits max_wait_ms, then answers empty.
  p.fetch_offset = 4;
  auto start = std::chrono::steady_clock::now();
  a = call(req, 11);
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(a.kind, SlotOutcome::respond);
  EXPECT_GE(waited, std::chrono::milliseconds(90));
  EXPECT_TRUE(a.response.data.splices().empty());

  // Out of range and unknown partitions are per-partition errors.
  p.fetch_offset = 100;
  bytes = flatten(call(req, 11).response);
  protocol::Reader r2(bytes.data() + 8, bytes.size() - 8);
  ASSERT_TRUE(resp.decode(r2, 11));
  EXPECT_EQ(resp.responses[0].partitions[0].error_code, 1);
}

TEST_F(HandlersTest, FetchV17SessionsByTopicId) {
  auto created = create("s", 1, 1);
  protocol::Uuid id = created.topics[0].topic_id;
  auto data = batch(2);
  produce("s", data, -1);

  auto fetch = [&](int32_t session, int32_t epoch, bool with_partition, int64_t offset) {
    protocol::FetchRequest req;
    req.max_wait_ms = 0;
    req.session_id = session;
    req.session_epoch = epoch;
    if (with_partition) {
      auto& t = req.topics.emplace_back();
      t.topic_id = id;
      auto& p = t.partitions.emplace_back();
      p.fetch_offset = offset;
      p.partition_max_bytes = 1 << 20;
    }
    Answer a = call(req, 17);
    EXPECT_EQ(a.kind, SlotOutcome::respond);
    auto bytes = flatten(a.response);
    protocol::Reader r(bytes.data() + 4, bytes.size() - 4);
    protocol::ResponseHeader h;
    EXPECT_TRUE(h.decode(r, 1));
    protocol::FetchResponse resp;
    EXPECT_TRUE(resp.decode(r, 17));
    return resp;
  };

  auto full = fetch(0, 0, true, 0);  // Java's first fetch: create a session
  ASSERT_NE(full.session_id, 0);
  ASSERT_EQ(full.responses.size(), 1u);
  EXPECT_EQ(full.responses[0].topic_id, id);
  EXPECT_EQ(full.responses[0].partitions[0].records.size, data.size());

  // Caught up (offset 2) and nothing new: the incremental answer is empty.
  auto inc = fetch(full.session_id, 1, true, 2);
  EXPECT_EQ(inc.error_code, 0);
  EXPECT_EQ(inc.session_id, full.session_id);
  EXPECT_TRUE(inc.responses.empty());
  // New data shows up without naming the partition again.
  auto more = batch(1);
  produce("s", more, -1);
  inc = fetch(full.session_id, 2, false, 0);
  ASSERT_EQ(inc.responses.size(), 1u);
  EXPECT_EQ(inc.responses[0].partitions[0].high_watermark, 3);
  EXPECT_EQ(fetch(full.session_id, 7, false, 0).error_code, 71);
  EXPECT_EQ(fetch(12345, 1, false, 0).error_code, 70);

  // Unknown topic ids are reported per partition.
  id.bytes[0] ^= 0xff;
  auto unknown = fetch(0, -1, true, 0);
  ASSERT_EQ(unknown.responses.size(), 1u);
  EXPECT_EQ(unknown.responses[0].partitions[0].error_code, 100);
}

}  // namespace
}  // namespace fjord::broker

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, FetchReadCommittedStopsAtTheStableOffsetAndNamesAbortedTransactions) {
  create("rc", 1, 1);
  auto plain = batch(2);  // 0-1
  produce("rc", plain, -1);
  auto aborted = producer_batch(2, 31, 0, 0, true);  // 2-3
  produce("rc", aborted, -1, 7, "tx");
  auto fetch = [&](int8_t isolation) {
    protocol::FetchRequest req;
    req.max_wait_ms = 0;
    req.isolation_level = isolation;
    auto& t = req.topics.emplace_back();
    t.topic = "rc";
    auto& p = t.partitions.emplace_back();
    p.fetch_offset = 0;
    p.partition_max_bytes = 1 << 20;
    auto bytes = flatten(call(req, 11).response);
    protocol::Reader r(bytes.data() + 8, bytes.size() - 8);
    protocol::FetchResponse resp;
    EXPECT_TRUE(resp.decode(r, 11));
    return resp.responses.at(0).partitions.at(0);
  };
  auto uncommitted = fetch(0);
  EXPECT_EQ(uncommitted.high_watermark, 4);
  EXPECT_EQ(uncommitted.last_stable_offset, 2);
  auto committed = fetch(1);
  EXPECT_EQ(committed.records.size, plain.size());  // only the batch below the stable offset
  ASSERT_TRUE(committed.aborted_transactions);
  EXPECT_TRUE(committed.aborted_transactions->empty());

  auto log = logs_->partition("rc", 0);
  storage::AppendInfo marker;
  ASSERT_EQ(log->append_txn_marker(31, 0, false, 0, &marker), storage::Errc::ok);  // abort at 4
  ASSERT_EQ(log->flush(), storage::Errc::ok);
  committed = fetch(1);
  EXPECT_EQ(committed.last_stable_offset, 5);
  EXPECT_EQ(committed.high_watermark, 5);
  ASSERT_TRUE(committed.aborted_transactions);
  ASSERT_EQ(committed.aborted_transactions->size(), 1u);
  EXPECT_EQ((*committed.aborted_transactions)[0].producer_id, 31);
  EXPECT_EQ((*committed.aborted_transactions)[0].first_offset, 2);
}

}  // namespace
}  // namespace fjord::broker
