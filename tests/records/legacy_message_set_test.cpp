#include "protocol/records/legacy_message_set.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>

#include "batch_test_helpers.h"
#include "golden_bytes.h"
#include "protocol/records/batch_validation.h"
#include "protocol/records/compression/compression.h"
#include "protocol/records/record_batch_builder.h"

namespace fjord::protocol {
namespace {

using testing::str;

struct Msg {
  int64_t offset;
  int64_t timestamp;
  std::string key, value;
  bool operator==(const Msg&) const = default;
};

std::vector<Msg> read_all(const std::vector<uint8_t>& set, BatchError* error = nullptr) {
  std::vector<uint8_t> scratch;
  LegacyMessageReader reader(set.data(), set.size(), scratch);
  LegacyMessage m;
  std::vector<Msg> out;
  while (reader.next(&m)) out.push_back({m.offset, m.timestamp, str(m.key), str(m.value)});
  if (error) *error = reader.error();
  return out;
}

std::vector<Msg> golden_messages(int magic, int64_t first_offset) {
  int64_t ts0 = magic == 0 ? -1 : golden::kTimestamp;
  return {{first_offset, ts0, "k1", "v1"},
          {first_offset + 1, magic == 0 ? -1 : golden::kTimestamp + 5, "<null>", testing::golden_value2()},
          {first_offset + 2, magic == 0 ? -1 : golden::kTimestamp + 2, "k3", "<null>"}};
}

// Writes one legacy message (a test-side encoder, independent of the
// library's down-conversion).
void append_message(std::vector<uint8_t>& out, int8_t magic, int8_t attributes, int64_t offset, int64_t ts,
                    const std::vector<uint8_t>& value) {
  // Header fields into a fixed buffer, then the value.
  uint8_t head[4 + 1 + 1 + 8 + 4 + 4];
  size_t h = 4;
  head[h++] = uint8_t(magic);
  head[h++] = uint8_t(attributes);
  if (magic == 1) { detail::store_be(head + h, uint64_t(ts), 8); h += 8; }
  detail::store_be(head + h, 0xFFFFFFFFu, 4);  // null key
  h += 4;
  detail::store_be(head + h, uint32_t(value.size()), 4);
  h += 4;
  std::vector<uint8_t> m;
  m.reserve(h + value.size());
  m.insert(m.end(), head, head + h);
  m.insert(m.end(), value.begin(), value.end());
  detail::store_be(m.data(), uint32_t(crc32(0, m.data() + 4, uInt(m.size() - 4))), 4);
  size_t start = out.size();
  out.resize(start + 12);
  detail::store_be(out.data() + start, uint64_t(offset), 8);
  detail::store_be(out.data() + start + 8, uint32_t(m.size()), 4);
  out.insert(out.end(), m.begin(), m.end());
}

TEST(Legacy, DecodesKafkaPythonMessageSets) {
  BatchError e;
  EXPECT_EQ(read_all(golden::kV0None, &e), golden_messages(0, 0));
  EXPECT_EQ(e, BatchError::ok);
  EXPECT_EQ(read_all(golden::kV1None, &e), golden_messages(1, 0));
  EXPECT_EQ(e, BatchError::ok);
  // v0 gzip: inner offsets absolute.
  EXPECT_EQ(read_all(golden::kV0Gzip, &e), golden_messages(0, 0));
  EXPECT_EQ(e, BatchError::ok);
  // v1 gzip: kafka-python writes wrapper offset 0 with relative inner offsets
  // 0..2, so the absolute offsets (wrapper - last + relative) are -2..0; the
  // broker assigns real ones.
  EXPECT_EQ(read_all(golden::kV1Gzip, &e), golden_messages(1, -2));
  EXPECT_EQ(e, BatchError::ok);
  std::vector<uint8_t> scratch;
  for (const auto* set : {&golden::kV0None, &golden::kV1None, &golden::kV0Gzip, &golden::kV1Gzip})
    EXPECT_EQ(validate_legacy_message_set(set->data(), set->size(), scratch), BatchError::ok);
}

TEST(Legacy, DownConversionMatchesKafkaPythonBytes) {
  auto v2 = golden::kV2None;
  std::vector<uint8_t> scratch, v0, v1;
  ASSERT_EQ(down_convert_to_legacy(v2.data(), v2.size(), 0, scratch, v0), BatchError::ok);
  ASSERT_EQ(down_convert_to_legacy(v2.data(), v2.size(), 1, scratch, v1), BatchError::ok);
  EXPECT_EQ(v0, golden::kV0None);
  EXPECT_EQ(v1, golden::kV1None);
}

TEST(Legacy, UpConversionOfEveryGoldenSetForEveryCodec) {
  for (auto c : {Compression::none, Compression::gzip, Compression::snappy, Compression::lz4, Compression::zstd}) {
    for (const auto* set : {&golden::kV0None, &golden::kV1None, &golden::kV0Gzip}) {
      std::vector<uint8_t> scratch, batch;
      ASSERT_EQ(up_convert_legacy(set->data(), set->size(), c, scratch, batch), BatchError::ok);
      RecordBatchView view;
      ASSERT_EQ(RecordBatchView::parse(batch.data(), batch.size(), &view), BatchError::ok);
      EXPECT_EQ(view.compression(), c);
      ASSERT_EQ(validate(view, scratch), BatchError::ok);
      // Back down to v1 and compare with the source messages.
      int magic = set == &golden::kV1None ? 1 : 0;
      std::vector<uint8_t> back;
      ASSERT_EQ(down_convert_to_legacy(batch.data(), batch.size(), int8_t(magic), scratch, back), BatchError::ok);
      EXPECT_EQ(read_all(back), golden_messages(magic, 0));
    }
  }
}

TEST(Legacy, UpConversionWithoutATargetKeepsTheProducersCodec) {
  for (auto [set, codec] : {std::pair{&golden::kV0Gzip, Compression::gzip}, std::pair{&golden::kV0None, Compression::none},
                            std::pair{&golden::kV1None, Compression::none}}) {
    std::vector<uint8_t> scratch, batch;
    ASSERT_EQ(up_convert_legacy(set->data(), set->size(), std::nullopt, scratch, batch), BatchError::ok);
    RecordBatchView view;
    ASSERT_EQ(RecordBatchView::parse(batch.data(), batch.size(), &view), BatchError::ok);
    EXPECT_EQ(view.compression(), codec);
    EXPECT_EQ(validate(view, scratch), BatchError::ok);
  }
}

TEST(Legacy, V2ToV1ToV2RoundTripKeepsOffsetsAndTimestamps) {
  BatchOptions options;
  options.base_offset = 500;
  options.compression = Compression::lz4;
  RecordBatchBuilder b(options);
  for (int i = 0; i < 50; ++i) b.add(1000 + i, "k" + std::to_string(i), std::string(i, 'x'));
  auto batch = b.build();
  std::vector<uint8_t> scratch, set, again;
  ASSERT_EQ(down_convert_to_legacy(batch.data(), batch.size(), 1, scratch, set), BatchError::ok);
  auto msgs = read_all(set);
  ASSERT_EQ(msgs.size(), 50u);
  EXPECT_EQ(msgs[49].offset, 549);
  EXPECT_EQ(msgs[49].timestamp, 1049);
  ASSERT_EQ(up_convert_legacy(set.data(), set.size(), Compression::none, scratch, again), BatchError::ok);
  RecordBatchView v;
  ASSERT_EQ(RecordBatchView::parse(again.data(), again.size(), &v), BatchError::ok);
  EXPECT_EQ(v.base_offset(), 500);
  EXPECT_EQ(v.last_offset_delta(), 49);
  EXPECT_EQ(v.base_timestamp(), 1000);
  EXPECT_EQ(v.max_timestamp(), 1049);
}

TEST(Legacy, DownConversionSkipsControlBatchesAndPartialTail) {
  std::vector<uint8_t> data;
  RecordBatchBuilder data_batch;
  data_batch.add(1, "a", "1");
  data_batch.finish(data);
  BatchOptions control;
  control.control = true;
  control.base_offset = 1;
  RecordBatchBuilder marker(control);
  marker.add_control(2, ControlType::abort, 0);
  marker.finish(data);
  BatchOptions third;
  third.base_offset = 2;
  RecordBatchBuilder last(third);
  last.add(3, "c", "3");
  size_t full = data.size();
  last.finish(data);
  data.resize(full + 30);  // cut inside the third batch, as fetch max_bytes would
  std::vector<uint8_t> scratch, set;
  ASSERT_EQ(down_convert_to_legacy(data.data(), data.size(), 1, scratch, set), BatchError::ok);
  auto msgs = read_all(set);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], (Msg{0, 1, "a", "1"}));
  EXPECT_EQ(down_convert_to_legacy(data.data(), data.size(), 2, scratch, set), BatchError::bad_magic);
}

TEST(Legacy, Lz4WrappersUseTheKafka3160ChecksumOnlyForMagic0) {
  for (int8_t magic : {int8_t(0), int8_t(1)}) {
    std::vector<uint8_t> inner;
    for (int i = 0; i < 3; ++i) append_message(inner, magic, 0, i, 100 + i, {uint8_t('a' + i)});
    std::vector<uint8_t> compressed;
    CodecOptions opts;
    if (magic == 0) opts.lz4_header = Lz4HeaderChecksum::kafka_3160_broken;
    ASSERT_EQ(compress(Compression::lz4, inner, compressed, opts), CodecError::ok);
    std::vector<uint8_t> set;
    append_message(set, magic, int8_t(Compression::lz4), 2, 102, compressed);
    BatchError e;
    auto msgs = read_all(set, &e);
    ASSERT_EQ(e, BatchError::ok) << int(magic);
    ASSERT_EQ(msgs.size(), 3u);
    EXPECT_EQ(msgs[2].value, "c");
    EXPECT_EQ(msgs[2].offset, 2);
  }
  // A magic-1 wrapper with the broken checksum is corrupt.
  std::vector<uint8_t> inner, compressed, set;
  append_message(inner, 1, 0, 0, 100, {'a'});
  ASSERT_EQ(compress(Compression::lz4, inner, compressed, {Lz4HeaderChecksum::kafka_3160_broken}), CodecError::ok);
  append_message(set, 1, int8_t(Compression::lz4), 0, 100, compressed);
  BatchError e;
  read_all(set, &e);
  EXPECT_EQ(e, BatchError::bad_compression);
}

TEST(Legacy, RejectsNestedCompressionZstdAndMagicMismatch) {
  std::vector<uint8_t> inner_wrapper, inner, compressed, set;
  append_message(inner, 1, 0, 0, 1, {'x'});
  ASSERT_EQ(compress(Compression::gzip, inner, compressed), CodecError::ok);
  append_message(inner_wrapper, 1, int8_t(Compression::gzip), 0, 1, compressed);  // a wrapper inside a wrapper
  compressed.clear();
  ASSERT_EQ(compress(Compression::gzip, inner_wrapper, compressed), CodecError::ok);
  append_message(set, 1, int8_t(Compression::gzip), 0, 1, compressed);
  BatchError e;
  read_all(set, &e);
  EXPECT_EQ(e, BatchError::bad_records);

  set.clear();
  compressed.clear();
  ASSERT_EQ(compress(Compression::zstd, inner, compressed), CodecError::ok);
  append_message(set, 1, int8_t(Compression::zstd), 0, 1, compressed);
  read_all(set, &e);
  EXPECT_EQ(e, BatchError::bad_compression);

  set.clear();
  compressed.clear();
  ASSERT_EQ(compress(Compression::gzip, inner, compressed), CodecError::ok);
  append_message(set, 0, int8_t(Compression::gzip), 0, 1, compressed);  // v0 wrapper, v1 inner
  read_all(set, &e);
  EXPECT_EQ(e, BatchError::bad_records);
}

TEST(Legacy, CorruptionAndTruncationAreErrors) {
  std::vector<uint8_t> scratch;
  for (const auto* golden_set : {&golden::kV0None, &golden::kV1None, &golden::kV0Gzip, &golden::kV1Gzip}) {
    const auto& set = *golden_set;
    // Message boundaries: a cut there leaves a valid, shorter set, and the
    // offset/size fields before each CRC are not covered by it.
    std::vector<size_t> starts;
    for (size_t p = 0; p < set.size(); p += 12 + detail::load_be(set.data() + p + 8, 4)) starts.push_back(p);
    auto is_start = [&](size_t p) { return std::find(starts.begin(), starts.end(), p) != starts.end(); };
    auto covered = [&](size_t p) {
      for (size_t s : starts)
        if (p >= s && p < s + 12) return false;
      return true;
    };
    for (size_t cut = 1; cut < set.size(); ++cut) {
      if (is_start(cut)) continue;
      std::vector<uint8_t> copy(set.begin(), set.begin() + long(cut));
      EXPECT_NE(validate_legacy_message_set(copy.data(), copy.size(), scratch), BatchError::ok) << cut;
    }
    for (size_t pos = 0; pos < set.size(); ++pos) {
      if (!covered(pos)) continue;
      auto copy = set;
      copy[pos] ^= 0x01;
      EXPECT_NE(validate_legacy_message_set(copy.data(), copy.size(), scratch), BatchError::ok) << pos;
    }
  }
  auto bad = golden::kV1None;
  bad[20] ^= 0x80;  // attributes byte of the first message
  EXPECT_EQ(validate_legacy_message_set(bad.data(), bad.size(), scratch), BatchError::bad_crc);
  bad = golden::kV1None;
  bad[16] = 2;
  EXPECT_EQ(validate_legacy_message_set(bad.data(), bad.size(), scratch), BatchError::bad_magic);
  std::vector<uint8_t> empty;
  EXPECT_EQ(validate_legacy_message_set(empty.data(), 0, scratch), BatchError::bad_records);
}

}  // namespace
}  // namespace fjord::protocol
