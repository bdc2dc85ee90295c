// Malformed input must come back as an error value, never a crash or an
// out-of-bounds read (run under the sanitizer build to prove the latter).
#include <gtest/gtest.h>

#include <random>

#include "batch_test_helpers.h"
#include "protocol/records/batch_validation.h"
#include "protocol/records/record_batch_builder.h"
#include "protocol/records/record_reader.h"

namespace fjord::protocol {
namespace {

using testing::fix_crc;
using testing::touch_records;

std::vector<uint8_t> sample(Compression c) {
  BatchOptions options;
  options.compression = c;
  RecordBatchBuilder b(options);
  const HeaderField h[] = {{"trace", "abc"}, {"n", std::nullopt}};
  for (int i = 0; i < 20; ++i) b.add(1000 + i, i % 3 ? std::optional<std::string_view>("key") : std::nullopt,
                                     std::string(i * 7, 'v'), h);
  return b.build();
}

// Parses, validates and iterates, touching every byte a record yields.
BatchError exercise(uint8_t* data, size_t size, std::vector<uint8_t>& scratch) {
  RecordBatchView view;
  if (auto e = RecordBatchView::parse(data, size, &view); e != BatchError::ok) return e;
  BatchError v = validate(view, scratch);
  touch_records(view, scratch);
  return v;
}

class CorruptionTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CorruptionTest, TruncationAtEveryPosition) {
  auto bytes = sample(GetParam());
  std::vector<uint8_t> scratch;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::vector<uint8_t> copy(bytes.begin(), bytes.begin() + long(cut));  // exact-size heap block for ASan
    EXPECT_NE(exercise(copy.data(), copy.size(), scratch), BatchError::ok) << "cut " << cut;
  }
  // Shortening batchLength (CRC fixed up) cuts the record area instead.
  for (size_t len = kBatchHeaderSize - kLogOverhead; len + kLogOverhead < bytes.size(); ++len) {
    std::vector<uint8_t> copy(bytes.begin(), bytes.begin() + long(kLogOverhead + len));
    detail::store_be(copy.data() + kBatchLengthOffset, uint32_t(len), 4);
    fix_crc(copy);
    EXPECT_NE(exercise(copy.data(), copy.size(), scratch), BatchError::ok) << "length " << len;
  }
}

TEST_P(CorruptionTest, ByteFlipsWithValidCrc) {
  auto bytes = sample(GetParam());
  std::vector<uint8_t> scratch;
  std::mt19937 rng(11);
  int rejected = 0;
  for (size_t pos = kAttributesOffset + 2; pos < bytes.size(); ++pos) {
    for (int k = 0; k < 4; ++k) {
      auto copy = bytes;
      copy[pos] ^= uint8_t(1 + rng() % 255);
      fix_crc(copy);
      if (exercise(copy.data(), copy.size(), scratch) != BatchError::ok) ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST_P(CorruptionTest, ByteFlipsWithoutCrcFixAreBadCrc) {
  auto bytes = sample(GetParam());
  std::vector<uint8_t> scratch;
  for (size_t pos = kAttributesOffset; pos < bytes.size(); pos += 3) {
    auto copy = bytes;
    copy[pos] ^= 0x40;
    RecordBatchView view;
    ASSERT_EQ(RecordBatchView::parse(copy.data(), copy.size(), &view), BatchError::ok);
    EXPECT_EQ(validate(view, scratch), BatchError::bad_crc) << pos;
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CorruptionTest,
                         ::testing::Values(Compression::none, Compression::gzip, Compression::snappy,
                                           Compression::lz4, Compression::zstd),
                         [](const auto& info) { return std::to_string(int(info.param)); });

TEST(Corruption, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(5);
  std::vector<uint8_t> scratch;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> bytes(size_t(rng() % 200));
    for (auto& b : bytes) b = uint8_t(rng());
    if (bytes.size() > kMagicOffset) bytes[kMagicOffset] = 2;
    if (bytes.size() >= kBatchHeaderSize) {
      detail::store_be(bytes.data() + kBatchLengthOffset, uint32_t(bytes.size() - kLogOverhead), 4);
      bytes[kAttributesOffset] = 0;
      bytes[kAttributesOffset + 1] &= 0x07;
      fix_crc(bytes);
    }
    exercise(bytes.data(), bytes.size(), scratch);
  }
}

}  // namespace
}  // namespace fjord::protocol
