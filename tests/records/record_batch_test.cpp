#include "protocol/records/record_batch.h"

#include <gtest/gtest.h>

#include "batch_test_helpers.h"
#include "golden_bytes.h"
#include "protocol/records/batch_validation.h"
#include "protocol/records/compression/compression.h"
#include "protocol/records/record_batch_builder.h"
#include "protocol/records/record_reader.h"

namespace fjord::protocol {
namespace {

using testing::fix_crc;
using testing::str;

constexpr Compression kAllCodecs[] = {Compression::none, Compression::gzip, Compression::snappy, Compression::lz4,
                                      Compression::zstd};

// The records make_golden.py writes.
void add_golden_records(RecordBatchBuilder& b) {
  const HeaderField h0[] = {{"h1", "x"}, {"h2", ""}};
  const HeaderField h2[] = {{"empty", std::nullopt}};
  b.add(golden::kTimestamp, "k1", "v1", h0);
  b.add(golden::kTimestamp + 5, std::nullopt, testing::golden_value2());
  b.add(golden::kTimestamp + 2, "k3", std::nullopt, h2);
}

void expect_golden_records(RecordBatchView view, std::vector<uint8_t>& scratch) {
  RecordReader reader;
  ASSERT_EQ(reader.open(view, scratch), BatchError::ok);
  Record r;
  RecordHeader h;
  ASSERT_TRUE(reader.next(&r));
  EXPECT_EQ(r.offset, 0);
  EXPECT_EQ(r.timestamp, golden::kTimestamp);
  EXPECT_EQ(str(r.key), "k1");
  EXPECT_EQ(str(r.value), "v1");
  ASSERT_EQ(r.header_count, 2);
  auto it = r.header_iterator();
  ASSERT_TRUE(it.next(&h));
  EXPECT_EQ(str(h.key), "h1");
  EXPECT_EQ(str(h.value), "x");
  ASSERT_TRUE(it.next(&h));
  EXPECT_EQ(str(h.key), "h2");
  EXPECT_EQ(str(h.value), "");
  EXPECT_FALSE(h.value.is_null());
  EXPECT_FALSE(it.next(&h));
  ASSERT_TRUE(reader.next(&r));
  EXPECT_EQ(r.offset, 1);
  EXPECT_EQ(r.timestamp_delta, 5);
  EXPECT_TRUE(r.key.is_null());
  EXPECT_EQ(str(r.value), testing::golden_value2());
  EXPECT_EQ(r.header_count, 0);
  ASSERT_TRUE(reader.next(&r));
  EXPECT_EQ(r.offset_delta, 2);
  EXPECT_EQ(r.timestamp, golden::kTimestamp + 2);
  EXPECT_TRUE(r.value.is_null());
  ASSERT_TRUE(r.header(0, &h));
  EXPECT_EQ(str(h.key), "empty");
  EXPECT_TRUE(h.value.is_null());
  EXPECT_FALSE(r.header(1, &h));
  EXPECT_FALSE(reader.next(&r));
  EXPECT_EQ(reader.error(), BatchError::ok);
  EXPECT_EQ(reader.records_read(), 3);
}

TEST(RecordBatch, DecodesKafkaPythonBatch) {
  auto bytes = golden::kV2None;
  RecordBatchView view;
  ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
  EXPECT_EQ(view.total_size(), bytes.size());
  EXPECT_TRUE(view.crc_valid());
  EXPECT_EQ(view.record_count(), 3);
  EXPECT_EQ(view.last_offset_delta(), 2);
  EXPECT_EQ(view.base_timestamp(), golden::kTimestamp);
  EXPECT_EQ(view.max_timestamp(), golden::kTimestamp + 5);
  EXPECT_EQ(view.producer_id(), -1);
  EXPECT_EQ(view.compression(), Compression::none);
  std::vector<uint8_t> scratch;
  BatchSummary summary;
  EXPECT_EQ(validate(view, scratch, {}, &summary), BatchError::ok);
  EXPECT_EQ(summary.record_count, 3);
  EXPECT_EQ(summary.max_timestamp, golden::kTimestamp + 5);
  EXPECT_EQ(summary.offset_delta_of_max_timestamp, 1);
  expect_golden_records(view, scratch);
}

TEST(RecordBatch, BuilderMatchesKafkaPythonBytesExactly) {
  BatchOptions options;
  options.partition_leader_epoch = 0;  // kafka-python leaves it zero
  RecordBatchBuilder builder(options);
  add_golden_records(builder);
  EXPECT_EQ(builder.build(), golden::kV2None);
}

TEST(RecordBatch, DecodesKafkaPythonGzipTransactionalBatch) {
  auto bytes = golden::kV2GzipTransactional;
  RecordBatchView view;
  ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
  EXPECT_EQ(view.compression(), Compression::gzip);
  EXPECT_TRUE(view.transactional());
  EXPECT_FALSE(view.control());
  EXPECT_EQ(view.producer_id(), 1234);
  EXPECT_EQ(view.producer_epoch(), 5);
  EXPECT_EQ(view.base_sequence(), 7);
  std::vector<uint8_t> scratch;
  EXPECT_EQ(validate(view, scratch), BatchError::ok);
  expect_golden_records(view, scratch);
}

class BuilderCodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(BuilderCodecTest, RoundTripsThroughReader) {
  BatchOptions options;
  options.compression = GetParam();
  options.base_offset = 1000;
  options.producer_id = 42;
  options.producer_epoch = 3;
  options.base_sequence = 99;
  options.transactional = true;
  RecordBatchBuilder builder(options);
  add_golden_records(builder);
  std::string big(100000, 'z');
  for (int i = 0; i < 500; ++i) {
    std::string key = "key-" + std::to_string(i);
    const HeaderField h[] = {{"i", key}};
    builder.add(golden::kTimestamp - i, key, i == 7 ? std::string_view(big) : std::string_view(key), h);
  }
  auto bytes = builder.build();
  RecordBatchView view;
  ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
  EXPECT_EQ(view.compression(), GetParam());
  EXPECT_EQ(view.record_count(), 503);
  EXPECT_EQ(view.last_offset_delta(), 502);
  EXPECT_EQ(view.last_offset(), 1502);
  EXPECT_EQ(view.max_timestamp(), golden::kTimestamp + 5);
  EXPECT_EQ(view.producer_id(), 42);
  EXPECT_EQ(view.producer_epoch(), 3);
  EXPECT_EQ(view.base_sequence(), 99);
  EXPECT_TRUE(view.transactional());
  EXPECT_TRUE(view.crc_valid());
  if (GetParam() != Compression::none) { EXPECT_LT(bytes.size(), 100000u); }
  std::vector<uint8_t> scratch;
  ASSERT_EQ(validate(view, scratch), BatchError::ok);
  RecordReader reader;
  ASSERT_EQ(reader.open(view, scratch), BatchError::ok);
  Record r;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader.next(&r));
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(reader.next(&r));
    std::string key = "key-" + std::to_string(i);
    EXPECT_EQ(r.offset, 1003 + i);
    EXPECT_EQ(r.timestamp, golden::kTimestamp - i);
    EXPECT_EQ(str(r.key), key);
    EXPECT_EQ(r.value.length(), i == 7 ? big.size() : key.size());
    RecordHeader h;
    ASSERT_TRUE(r.header(0, &h));
    EXPECT_EQ(str(h.value), key);
  }
  EXPECT_FALSE(reader.next(&r));
  EXPECT_EQ(reader.error(), BatchError::ok);
  // A limit below the decompressed size refuses compressed batches.
  if (GetParam() != Compression::none) {
    ValidateOptions tight;
    tight.max_decompressed = 1000;
    EXPECT_EQ(validate(view, scratch, tight), BatchError::bad_compression);
  }
}

TEST_P(BuilderCodecTest, ScratchIsReusedWithoutReallocation) {
  BatchOptions options;
  options.compression = GetParam();
  RecordBatchBuilder builder(options);
  for (int i = 0; i < 100; ++i) builder.add(i, "k", std::string(100, char('a' + i % 26)));
  auto bytes = builder.build();
  RecordBatchView view;
  ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
  std::vector<uint8_t> scratch;
  ASSERT_EQ(validate(view, scratch), BatchError::ok);
  const uint8_t* buffer = scratch.data();
  size_t capacity = scratch.capacity();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(validate(view, scratch), BatchError::ok);
  EXPECT_EQ(scratch.data(), buffer);
  EXPECT_EQ(scratch.capacity(), capacity);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, BuilderCodecTest, ::testing::ValuesIn(kAllCodecs),
                         [](const auto& info) { return std::to_string(int(info.param)); });

std::vector<uint8_t> simple_batch(Compression c = Compression::none, int records = 3) {
  BatchOptions options;
  options.compression = c;
  RecordBatchBuilder b(options);
  for (int i = 0; i < records; ++i) b.add(100 + i, "key", "value");
  return b.build();
}

TEST(RecordBatch, SetLogAppendTimeKeepsCrcValid) {
  for (Compression c : kAllCodecs) {
    auto bytes = simple_batch(c);
    RecordBatchView view;
    ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
    view.set_log_append_time(555000);
    EXPECT_TRUE(view.crc_valid());
    EXPECT_TRUE(view.log_append_time());
    EXPECT_EQ(view.compression(), c);
    EXPECT_EQ(view.max_timestamp(), 555000);
    std::vector<uint8_t> scratch;
    ASSERT_EQ(validate(view, scratch), BatchError::ok);
    RecordReader reader;
    ASSERT_EQ(reader.open(view, scratch), BatchError::ok);
    Record r;
    while (reader.next(&r)) EXPECT_EQ(r.timestamp, 555000);  // every record reports the append time
    EXPECT_EQ(reader.records_read(), 3);
  }
}

// Go's sarama 1.22 leaves the header's max timestamp at -1; the broker
// sets it from the records, as Kafka's LogValidator does.
TEST(RecordBatch, MaxTimestampFromTheRecordsForABatchThatLeftItUnset) {
  for (Compression c : kAllCodecs) {
    auto bytes = simple_batch(c);  // timestamps 100..102
    RecordBatchView view;
    ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
    detail::store_be(bytes.data() + 35, uint64_t(-1), 8);
    fix_crc(bytes);
    std::vector<uint8_t> scratch;
    BatchSummary summary;
    ASSERT_EQ(validate(view, scratch, {}, &summary), BatchError::ok);
    EXPECT_EQ(summary.max_timestamp, 102);
    view.set_create_time_max_timestamp(summary.max_timestamp);
    EXPECT_EQ(view.max_timestamp(), 102);
    EXPECT_FALSE(view.log_append_time());
    EXPECT_EQ(view.compression(), c);
    EXPECT_TRUE(view.crc_valid());
    EXPECT_EQ(validate(view, scratch), BatchError::ok);
  }
  // A LogAppendTime batch becomes CreateTime (Kafka's setMaxTimestamp with the topic's type).
  auto bytes = simple_batch();
  RecordBatchView view;
  ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
  view.set_log_append_time(555000);
  view.set_create_time_max_timestamp(102);
  EXPECT_FALSE(view.log_append_time());
  EXPECT_EQ(view.max_timestamp(), 102);
  EXPECT_TRUE(view.crc_valid());
  // Already right: nothing is rewritten.
  const uint32_t crc = view.crc();
  detail::store_be(bytes.data() + kCrcOffset, crc ^ 1, 4);  // a CRC recompute would repair this
  view.set_create_time_max_timestamp(102);
  EXPECT_EQ(view.crc(), crc ^ 1);
}

TEST(RecordBatch, OffsetAndEpochRewritesDoNotTouchCrc) {
  auto bytes = simple_batch();
  RecordBatchView view;
  ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
  uint32_t crc = view.crc();
  view.set_base_offset(1234567);
  view.set_partition_leader_epoch(9);
  EXPECT_EQ(view.crc(), crc);
  EXPECT_TRUE(view.crc_valid());
  EXPECT_EQ(view.base_offset(), 1234567);
  EXPECT_EQ(view.last_offset(), 1234569);
  EXPECT_EQ(view.partition_leader_epoch(), 9);
}

TEST(RecordBatch, ParseErrors) {
  auto bytes = simple_batch();
  RecordBatchView view;
  EXPECT_EQ(RecordBatchView::parse(bytes.data(), 10, &view), BatchError::truncated);
  EXPECT_EQ(RecordBatchView::parse(bytes.data(), 40, &view), BatchError::truncated);
  EXPECT_EQ(RecordBatchView::parse(bytes.data(), bytes.size() - 1, &view), BatchError::truncated);
  // Two batches back to back: parse views only the first.
  auto two = bytes;
  two.insert(two.end(), bytes.begin(), bytes.end());
  ASSERT_EQ(RecordBatchView::parse(two.data(), two.size(), &view), BatchError::ok);
  EXPECT_EQ(view.total_size(), bytes.size());
  auto bad = bytes;
  bad[kMagicOffset] = 1;
  EXPECT_EQ(RecordBatchView::parse(bad.data(), bad.size(), &view), BatchError::bad_magic);
  bad = bytes;
  detail::store_be(bad.data() + kBatchLengthOffset, 10, 4);
  EXPECT_EQ(RecordBatchView::parse(bad.data(), bad.size(), &view), BatchError::bad_length);
  detail::store_be(bad.data() + kBatchLengthOffset, uint32_t(-5), 4);
  EXPECT_EQ(RecordBatchView::parse(bad.data(), bad.size(), &view), BatchError::bad_length);
  EXPECT_STREQ(to_string(BatchError::bad_crc), "record batch CRC mismatch");
}

BatchError validate_bytes(std::vector<uint8_t>& bytes) {
  RecordBatchView view;
  if (auto e = RecordBatchView::parse(bytes.data(), bytes.size(), &view); e != BatchError::ok) return e;
  std::vector<uint8_t> scratch;
  return validate(view, scratch);
}

TEST(Validate, RejectsWhatKafkaRejects) {
  auto bytes = simple_batch();
  bytes[bytes.size() - 1] ^= 1;
  EXPECT_EQ(validate_bytes(bytes), BatchError::bad_crc);

  bytes = simple_batch();
  detail::store_be(bytes.data() + 23, 5, 4);  // lastOffsetDelta != count - 1
  fix_crc(bytes);
  EXPECT_EQ(validate_bytes(bytes), BatchError::bad_records);

  bytes = simple_batch();
  detail::store_be(bytes.data() + 57, 2, 4);  // recordCount below the records present
  detail::store_be(bytes.data() + 23, 1, 4);
  fix_crc(bytes);
  EXPECT_EQ(validate_bytes(bytes), BatchError::bad_records);

  bytes = simple_batch();
  detail::store_be(bytes.data() + 57, 4, 4);  // recordCount above them
  detail::store_be(bytes.data() + 23, 3, 4);
  fix_crc(bytes);
  EXPECT_EQ(validate_bytes(bytes), BatchError::bad_records);

  bytes = simple_batch(Compression::none, 0);  // empty batch
  EXPECT_EQ(validate_bytes(bytes), BatchError::bad_records);

  bytes = simple_batch();
  bytes[kAttributesOffset + 1] |= 0x6;  // codec id 6
  fix_crc(bytes);
  EXPECT_EQ(validate_bytes(bytes), BatchError::bad_compression);

  bytes = simple_batch();
  bytes[kAttributesOffset + 1] |= uint8_t(Compression::zstd);  // claims zstd, holds plain records
  fix_crc(bytes);
  EXPECT_EQ(validate_bytes(bytes), BatchError::bad_compression);

  // Records out of order: swap deltas of a 2-record batch via the builder.
  BatchOptions options;
  RecordBatchBuilder b(options);
  b.add_at(1, 0, "a", "b");
  b.add_at(2, 0, "a", "b");
  bytes = b.build();
  EXPECT_EQ(validate_bytes(bytes), BatchError::bad_records);  // deltas 1,2 for count 2
  RecordBatchView view;
  ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
  std::vector<uint8_t> scratch;
  ValidateOptions compacted;
  compacted.require_sequential_offsets = false;
  EXPECT_EQ(validate(view, scratch, compacted), BatchError::ok);  // a compacted log may have gaps
}

TEST(Builder, ControlBatchMarker) {
  BatchOptions options;
  options.control = true;
  options.transactional = true;
  options.producer_id = 7;
  options.producer_epoch = 1;
  RecordBatchBuilder b(options);
  b.add_control(1000, ControlType::commit, 12);
  auto bytes = b.build();
  RecordBatchView view;
  ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
  EXPECT_TRUE(view.control());
  EXPECT_TRUE(view.transactional());
  std::vector<uint8_t> scratch;
  ASSERT_EQ(validate(view, scratch), BatchError::ok);
  RecordReader reader;
  ASSERT_EQ(reader.open(view, scratch), BatchError::ok);
  Record r;
  ASSERT_TRUE(reader.next(&r));
  ASSERT_EQ(r.key.length(), 4u);
  EXPECT_EQ(detail::load_be(r.key.data, 2), 0u);
  EXPECT_EQ(detail::load_be(r.key.data + 2, 2), 1u);  // COMMIT
  ASSERT_EQ(r.value.length(), 6u);
  EXPECT_EQ(detail::load_be(r.value.data + 2, 4), 12u);
}

TEST(Builder, ResetReusesAndStartsOver) {
  RecordBatchBuilder b;
  b.add(1, "a", "b");
  auto first = b.build();
  b.reset({});
  EXPECT_EQ(b.record_count(), 0);
  b.add(1, "a", "b");
  EXPECT_EQ(b.build(), first);
}

}  // namespace
}  // namespace fjord::protocol
