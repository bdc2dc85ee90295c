#include <gtest/gtest.h>

#include <unistd.h>
#include <cstring>

#include "handler_fixture.h"
#include "protocol/records/record_batch.h"
#include "protocol/records/record_batch_builder.h"

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, ProduceValidatesAndAcks) {
  create("p", 1, 1);
  auto good = batch(3);
  auto a = produce("p", good, -1);
  ASSERT_EQ(a.kind, SlotOutcome::respond);
  auto resp = decode_produce(a);
  ASSERT_EQ(resp.responses.size(), 1u);
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 0);
  EXPECT_EQ(resp.responses[0].partition_responses[0].base_offset, 0);

  auto second = batch(2);
  a = produce("p", second, 0);
  EXPECT_EQ(a.kind, SlotOutcome::silent);  // acks=0: nothing on the wire

  auto corrupt = batch(1);
  corrupt.back() ^= 0xff;  // breaks the CRC
  resp = decode_produce(produce("p", corrupt, 1));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 2);
  auto corrupt0 = batch(1);
  corrupt0.back() ^= 0xff;
  EXPECT_EQ(produce("p", corrupt0, 0).kind, SlotOutcome::close);  // acks=0 errors close

  auto two = batch(1);
  auto more = batch(1);
  two.insert(two.end(), more.begin(), more.end());
  resp = decode_produce(produce("p", two, 1));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 87);  // v3+: one batch only

  auto zstd = batch(5, protocol::Compression::zstd);
  resp = decode_produce(produce("p", zstd, 1, 6), 6);
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 76);

  auto bad_acks = batch(1);
  resp = decode_produce(produce("p", bad_acks, 2));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 21);
  EXPECT_EQ(logs_->partition("p", 0)->log_end_offset(), 5);
}

// A topic whose compression.type names a codec stores good batches in it and
// refuses bad ones with Kafka's error codes, appending nothing from them.
TEST_F(HandlersTest, ProduceToATopicWithACodecRecompressesAndRefusesBadBatches) {
  std::string err;
  ASSERT_EQ(logs_->create_topic("gz", 1, {{"compression.type", "gzip"}}, nullptr, &err), storage::Errc::ok) << err;
  auto corrupt = batch(2);
  corrupt.back() ^= 0xff;  // breaks the CRC: must not be recompressed into a valid batch
  EXPECT_EQ(decode_produce(produce("gz", corrupt, 1)).responses[0].partition_responses[0].error_code, 2);
  auto zstd = batch(3, protocol::Compression::zstd);
  EXPECT_EQ(decode_produce(produce("gz", zstd, 1, 6), 6).responses[0].partition_responses[0].error_code, 76);
  auto log = logs_->partition("gz", 0);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 0);

  auto good = batch(4);
  EXPECT_EQ(decode_produce(produce("gz", good, -1)).responses[0].partition_responses[0].error_code, 0);
  EXPECT_EQ(log->log_end_offset(), 4);
  storage::ReadResult r = log->read(0, 1 << 20);
  ASSERT_GE(r.slice.length, protocol::kBatchHeaderSize);
  std::vector<uint8_t> stored(r.slice.length);
  if (r.slice.memory) std::memcpy(stored.data(), r.slice.memory, stored.size());
  else ASSERT_EQ(::pread(r.slice.fd, stored.data(), stored.size(), off_t(r.slice.position)), ssize_t(stored.size()));
  protocol::RecordBatchView view;
  ASSERT_EQ(protocol::RecordBatchView::parse(stored.data(), stored.size(), &view), protocol::BatchError::ok);
  EXPECT_EQ(view.compression(), protocol::Compression::gzip);
  EXPECT_TRUE(view.crc_valid());
  EXPECT_EQ(view.record_count(), 4);
}

class SmallMessagesTest : public HandlersTest {
  void SetUp() override {
    start([](ServerConfig& c) { c.message_max_bytes = 200; });
  }
};

TEST_F(SmallMessagesTest, BatchAboveMessageMaxBytesIsRejected) {
  create("small", 1, 1);
  auto big = batch(30);
  ASSERT_GT(big.size(), 200u);
  auto resp = decode_produce(produce("small", big, 1));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 10);
  auto ok = batch(1);
  resp = decode_produce(produce("small", ok, 1));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 0);
}

}  // namespace
}  // namespace fjord::broker

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, ProduceAnswersARetriedIdempotentBatchWithItsOriginalOffset) {
  create("idem", 1, 1);
  auto first = producer_batch(3, 11, 0, 0);
  auto second = producer_batch(2, 11, 0, 3);
  EXPECT_EQ(decode_produce(produce("idem", first, -1)).responses[0].partition_responses[0].base_offset, 0);
  EXPECT_EQ(decode_produce(produce("idem", second, -1)).responses[0].partition_responses[0].base_offset, 3);
  auto retry = producer_batch(3, 11, 0, 0);
  auto resp = decode_produce(produce("idem", retry, -1));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 0);
  EXPECT_EQ(resp.responses[0].partition_responses[0].base_offset, 0);
  EXPECT_EQ(logs_->partition("idem", 0)->log_end_offset(), 5);
}

TEST_F(HandlersTest, ProduceRefusesSequenceGapsStaleEpochsAndClientMarkers) {
  auto produce_error = [this](const Answer& a) { return decode_produce(a).responses[0].partition_responses[0].error_code; };
  create("idem", 1, 1);
  auto first = producer_batch(1, 11, 2, 0);
  ASSERT_EQ(produce_error(produce("idem", first, -1)), 0);
  auto gap = producer_batch(1, 11, 2, 7);
  EXPECT_EQ(produce_error(produce("idem", gap, -1)), 45);  // OUT_OF_ORDER_SEQUENCE_NUMBER
  auto stale = producer_batch(1, 11, 1, 1);
  EXPECT_EQ(produce_error(produce("idem", stale, -1)), 47);  // INVALID_PRODUCER_EPOCH
  protocol::BatchOptions o;
  o.producer_id = 11;
  o.producer_epoch = 2;
  o.transactional = true;
  o.control = true;
  protocol::RecordBatchBuilder b(o);
  b.add_control(1000, protocol::ControlType::commit, 0);
  auto marker = b.build();
  EXPECT_EQ(produce_error(produce("idem", marker, -1, 7, "tx")), 87);  // INVALID_RECORD
  auto txn = producer_batch(1, 11, 2, 1, true);
  EXPECT_EQ(produce_error(produce("idem", txn, -1)), 53);  // no transactional id
  EXPECT_EQ(produce_error(produce("idem", txn, -1, 7, "tx")), 0);
  auto plain = producer_batch(1, 11, 2, 2);
  EXPECT_EQ(produce_error(produce("idem", plain, -1)), 48);  // INVALID_TXN_STATE: inside its transaction
}

}  // namespace
}  // namespace fjord::broker
