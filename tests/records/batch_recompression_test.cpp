// recompress_batches: every codec to every codec, the records read back the
// same, header fields kept, the CRC recomputed; corrupt input refused.
#include "protocol/records/batch_recompression.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "batch_test_helpers.h"
#include "protocol/records/record_batch_builder.h"
#include "protocol/records/record_reader.h"

namespace fjord::protocol {
namespace {

constexpr Compression kAllCodecs[] = {Compression::none, Compression::gzip, Compression::snappy, Compression::lz4,
                                      Compression::zstd};

BatchOptions options_with(Compression c) {
  BatchOptions o;
  o.compression = c;
  o.base_offset = 0;
  o.producer_id = 4242;
  o.producer_epoch = 3;
  o.base_sequence = 17;
  o.transactional = true;
  return o;
}

std::vector<uint8_t> batch_of(Compression c, int records, const std::string& tag) {
  RecordBatchBuilder b(options_with(c));
  const HeaderField h[] = {{"trace", "t-1"}};
  for (int i = 0; i < records; ++i)
    b.add(1700000000000 + i, "key-" + std::to_string(i), tag + std::string(200 + i, char('a' + i % 26)), h);
  return b.build();
}

// (timestamp, key, value, header value) of every record.
std::vector<std::string> records_of(RecordBatchView v) {
  std::vector<uint8_t> scratch;
  RecordReader reader;
  EXPECT_EQ(reader.open(v, scratch), BatchError::ok);
  std::vector<std::string> out;
  Record r;
  RecordHeader h;
  while (reader.next(&r)) {
    EXPECT_TRUE(r.header(0, &h));
    out.push_back(std::to_string(r.timestamp) + "|" + testing::str(r.key) + "|" + testing::str(r.value) + "|" +
                  testing::str(h.value));
  }
  return out;
}

TEST(BatchRecompression, EveryCodecToEveryCodecKeepsRecordsAndHeader) {
  for (Compression from : kAllCodecs) {
    for (Compression to : kAllCodecs) {
      SCOPED_TRACE(std::to_string(int(from)) + " -> " + std::to_string(int(to)));
      // Two batches back to back, as a produce request carries them.
      std::vector<uint8_t> in = batch_of(from, 30, "first");
      const std::vector<uint8_t> second = batch_of(from, 5, "second");
      const size_t first_size = in.size();
      in.insert(in.end(), second.begin(), second.end());
      std::vector<uint8_t> scratch, out;
      ASSERT_EQ(recompress_batches(in.data(), in.size(), to, scratch, out), BatchError::ok);

      size_t pos = 0;
      for (size_t k = 0; k < 2; ++k) {
        RecordBatchView src, dst;
        ASSERT_EQ(RecordBatchView::parse(in.data() + (k ? first_size : 0), in.size() - (k ? first_size : 0), &src),
                  BatchError::ok);
        ASSERT_EQ(RecordBatchView::parse(out.data() + pos, out.size() - pos, &dst), BatchError::ok);
        EXPECT_TRUE(dst.crc_valid());
        EXPECT_EQ(dst.compression(), to);
        EXPECT_EQ(dst.transactional(), src.transactional());
        EXPECT_EQ(dst.producer_id(), src.producer_id());
        EXPECT_EQ(dst.producer_epoch(), src.producer_epoch());
        EXPECT_EQ(dst.base_sequence(), src.base_sequence());
        EXPECT_EQ(dst.record_count(), src.record_count());
        EXPECT_EQ(dst.last_offset_delta(), src.last_offset_delta());
        EXPECT_EQ(dst.base_timestamp(), src.base_timestamp());
        EXPECT_EQ(dst.max_timestamp(), src.max_timestamp());
        EXPECT_EQ(records_of(dst), records_of(src));
        if (from == to) {
          EXPECT_TRUE(std::equal(src.data(), src.data() + src.total_size(), dst.data()));
        }
        pos += dst.total_size();
      }
      EXPECT_EQ(pos, out.size());
    }
  }
}

TEST(BatchRecompression, RefusesACorruptBatchInsteadOfGivingItAValidCrc) {
  std::vector<uint8_t> in = batch_of(Compression::none, 10, "x");
  in[in.size() - 3] ^= 0x40;  // a flipped bit in the last record
  std::vector<uint8_t> scratch, out;
  EXPECT_EQ(recompress_batches(in.data(), in.size(), Compression::gzip, scratch, out), BatchError::bad_crc);
}

TEST(BatchRecompression, RefusesDataThatDoesNotDecompress) {
  std::vector<uint8_t> in = batch_of(Compression::lz4, 10, "x");
  for (size_t i = kBatchHeaderSize + 8; i < in.size(); ++i) in[i] = 0x5a;  // garbage after the frame header
  testing::fix_crc(in);
  std::vector<uint8_t> scratch, out;
  EXPECT_EQ(recompress_batches(in.data(), in.size(), Compression::none, scratch, out), BatchError::bad_compression);
}

TEST(BatchRecompression, RefusesATruncatedBatch) {
  std::vector<uint8_t> in = batch_of(Compression::none, 10, "x");
  std::vector<uint8_t> scratch, out;
  EXPECT_NE(recompress_batches(in.data(), in.size() - 5, Compression::zstd, scratch, out), BatchError::ok);
}

}  // namespace
}  // namespace fjord::protocol
