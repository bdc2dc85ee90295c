// Batches exactly as librdkafka 2.0.2 (kcat) sends them, one per codec,
// captured by golden/capture_librdkafka.py.
#include <gtest/gtest.h>
#include <zstd.h>

#include <string>

#include "batch_test_helpers.h"
#include "golden_librdkafka.h"
#include "protocol/records/batch_validation.h"
#include "protocol/records/record_reader.h"

namespace fjord::protocol {
namespace {

struct Golden {
  const std::vector<uint8_t>* bytes;
  Compression codec;
};

class LibrdkafkaGoldenTest : public ::testing::TestWithParam<Golden> {};

TEST_P(LibrdkafkaGoldenTest, ParsesValidatesAndIterates) {
  auto bytes = *GetParam().bytes;
  RecordBatchView view;
  ASSERT_EQ(RecordBatchView::parse(bytes.data(), bytes.size(), &view), BatchError::ok);
  EXPECT_EQ(view.total_size(), bytes.size());
  EXPECT_EQ(view.compression(), GetParam().codec);
  EXPECT_TRUE(view.crc_valid());
  EXPECT_EQ(view.record_count(), golden::kRdkafkaMessages);
  EXPECT_EQ(view.producer_id(), -1);
  std::vector<uint8_t> scratch;
  BatchSummary summary;
  ASSERT_EQ(validate(view, scratch, {}, &summary), BatchError::ok);
  EXPECT_EQ(summary.max_timestamp, view.max_timestamp());
  RecordReader reader;
  ASSERT_EQ(reader.open(view, scratch), BatchError::ok);
  Record r;
  for (int i = 0; i < golden::kRdkafkaMessages; ++i) {
    ASSERT_TRUE(reader.next(&r));
    EXPECT_EQ(r.offset, i);
    EXPECT_EQ(testing::str(r.key), "key-" + std::to_string(i));
    EXPECT_EQ(testing::str(r.value), "value-" + std::to_string(i) + " " + golden::kRdkafkaValueTail);
    EXPECT_EQ(r.header_count, 0);
  }
  EXPECT_FALSE(reader.next(&r));
  EXPECT_EQ(reader.error(), BatchError::ok);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, LibrdkafkaGoldenTest,
                         ::testing::Values(Golden{&golden::kRdkafkaNone, Compression::none},
                                           Golden{&golden::kRdkafkaGzip, Compression::gzip},
                                           Golden{&golden::kRdkafkaSnappy, Compression::snappy},
                                           Golden{&golden::kRdkafkaLz4, Compression::lz4},
                                           Golden{&golden::kRdkafkaZstd, Compression::zstd}),
                         [](const auto& info) { return std::to_string(int(info.param.codec)); });

TEST(LibrdkafkaGolden, CodecFramingFacts) {
  // librdkafka writes raw snappy (no xerial header) ...
  EXPECT_NE(golden::kRdkafkaSnappy[kBatchHeaderSize + 1], 'S');
  // ... and zstd frames without a content size.
  const auto& z = golden::kRdkafkaZstd;
  EXPECT_EQ(ZSTD_getFrameContentSize(z.data() + kBatchHeaderSize, z.size() - kBatchHeaderSize),
            ZSTD_CONTENTSIZE_UNKNOWN);
}

}  // namespace
}  // namespace fjord::protocol
