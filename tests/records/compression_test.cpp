#include "protocol/records/compression/compression.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zstd.h>

#include <random>
#include <string>

#include "golden_bytes.h"

namespace fjord::protocol {
namespace {

constexpr Compression kCodecs[] = {Compression::gzip, Compression::snappy, Compression::lz4, Compression::zstd};

std::vector<uint8_t> text_data(size_t n) {
  std::vector<uint8_t> v(n);
  std::mt19937 rng(1);
  static const char words[][8] = {"kafka ", "fjord ", "batch ", "record ", "offset "};
  size_t i = 0;
  while (i < n) {
    const char* w = words[rng() % 5];
    for (const char* c = w; *c && i < n; ++c) v[i++] = uint8_t(*c);
  }
  return v;
}

std::vector<uint8_t> random_data(size_t n) {
  std::vector<uint8_t> v(n);
  std::mt19937_64 rng(2);
  for (auto& b : v) b = uint8_t(rng());
  return v;
}

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTripsManySizes) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{32768}, size_t{32769}, size_t{70000}, size_t{1} << 20}) {
    for (auto make : {&text_data, &random_data}) {
      auto in = make(n);
      std::vector<uint8_t> compressed{0xAA};  // both directions append
      ASSERT_EQ(compress(GetParam(), in, compressed), CodecError::ok);
      ASSERT_EQ(compressed[0], 0xAA);
      std::vector<uint8_t> out{0xBB};
      ASSERT_EQ(decompress(GetParam(), std::span(compressed).subspan(1), out, n), CodecError::ok) << n;
      ASSERT_EQ(out.size(), n + 1);
      EXPECT_EQ(out[0], 0xBB);
      EXPECT_TRUE(std::equal(in.begin(), in.end(), out.begin() + 1)) << "size " << n;
    }
  }
}

TEST_P(CodecTest, RefusesOutputBeyondLimit) {
  std::vector<uint8_t> zeros(8 << 20, 0);  // 8 MiB compresses to almost nothing: a small zip bomb
  std::vector<uint8_t> compressed;
  ASSERT_EQ(compress(GetParam(), zeros, compressed), CodecError::ok);
  std::vector<uint8_t> out;
  EXPECT_EQ(decompress(GetParam(), compressed, out, 1 << 20), CodecError::too_large);
  EXPECT_TRUE(out.empty());
  EXPECT_LE(out.capacity(), size_t{2} << 20);  // never grew far past the limit
  EXPECT_EQ(decompress(GetParam(), compressed, out, zeros.size() - 1), CodecError::too_large);
  out.clear();
  EXPECT_EQ(decompress(GetParam(), compressed, out, zeros.size()), CodecError::ok);  // exact fit
  EXPECT_EQ(out.size(), zeros.size());
}

TEST_P(CodecTest, DecompressIntoReusesTheBufferWithoutShrinkingIt) {
  // Largest first, then smaller ones into the same buffer, then a refused one.
  std::vector<uint8_t> buffer;
  for (size_t n : {size_t{1} << 20, size_t{70000}, size_t{100}, size_t{0}, size_t{32769}}) {
    auto in = text_data(n);
    std::vector<uint8_t> compressed;
    ASSERT_EQ(compress(GetParam(), in, compressed), CodecError::ok);
    size_t size = 12345;
    ASSERT_EQ(decompress_into(GetParam(), compressed, buffer, &size, n), CodecError::ok) << n;
    ASSERT_EQ(size, n);
    EXPECT_TRUE(std::equal(in.begin(), in.end(), buffer.begin())) << "size " << n;
    EXPECT_GE(buffer.size(), size_t{1} << 20) << "shrank after " << n;
  }
  std::vector<uint8_t> zeros(4 << 20, 0), bomb;
  ASSERT_EQ(compress(GetParam(), zeros, bomb), CodecError::ok);
  size_t size = 1;
  EXPECT_EQ(decompress_into(GetParam(), bomb, buffer, &size, 2 << 20), CodecError::too_large);
  EXPECT_EQ(size, 0u);
  EXPECT_LE(buffer.size(), (size_t{2} << 20) + 1);  // grew at most to the limit
  // None copies, bounded the same way.
  auto plain = text_data(300);
  ASSERT_EQ(decompress_into(Compression::none, plain, buffer, &size, 300), CodecError::ok);
  EXPECT_EQ(size, 300u);
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), buffer.begin()));
  EXPECT_EQ(decompress_into(Compression::none, plain, buffer, &size, 299), CodecError::too_large);
}

TEST_P(CodecTest, GarbageAndTruncationAreErrorsNotCrashes) {
  auto in = text_data(5000);
  std::vector<uint8_t> compressed;
  ASSERT_EQ(compress(GetParam(), in, compressed), CodecError::ok);
  std::vector<uint8_t> out;
  // Every truncation must fail or (never) yield the full original.
  for (size_t cut = 0; cut < compressed.size(); ++cut) {
    out.clear();
    CodecError e = decompress(GetParam(), std::span(compressed).first(cut), out, 1 << 20);
    if (e == CodecError::ok) { EXPECT_NE(out, in) << "cut " << cut; }
  }
  // Byte flips: must not crash; output is bounded by the limit.
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    auto bad = compressed;
    bad[rng() % bad.size()] ^= uint8_t(1 + rng() % 255);
    out.clear();
    decompress(GetParam(), bad, out, 1 << 16);
    EXPECT_LE(out.size(), size_t{1} << 16);
  }
  out.clear();
  auto garbage = random_data(1000);
  EXPECT_NE(decompress(GetParam(), garbage, out, 1 << 20), CodecError::ok);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest, ::testing::ValuesIn(kCodecs),
                         [](const auto& info) { return std::to_string(int(info.param)); });

TEST(Compression, UnknownCodecIsUnsupported) {
  std::vector<uint8_t> out, in{1, 2, 3};
  EXPECT_EQ(decompress(Compression(5), in, out, 100), CodecError::unsupported);
  EXPECT_EQ(compress(Compression(7), in, out), CodecError::unsupported);
  EXPECT_STREQ(to_string(CodecError::too_large), "decompressed data exceeds the limit");
}

TEST(Gzip, ConcatenatedMembersAndHeader) {
  auto a = bytes_of("first member;"), b = bytes_of("second member");
  std::vector<uint8_t> compressed;
  ASSERT_EQ(compress(Compression::gzip, a, compressed), CodecError::ok);
  EXPECT_EQ(compressed[0], 0x1f);  // gzip magic, not a raw zlib stream
  EXPECT_EQ(compressed[1], 0x8b);
  ASSERT_EQ(compress(Compression::gzip, b, compressed), CodecError::ok);
  std::vector<uint8_t> out;
  ASSERT_EQ(decompress(Compression::gzip, compressed, out, 1000), CodecError::ok);
  EXPECT_EQ(std::string(out.begin(), out.end()), "first member;second member");
}

TEST(Snappy, WritesXerialFramingInChunks) {
  auto in = text_data(100000);
  std::vector<uint8_t> compressed;
  ASSERT_EQ(compress(Compression::snappy, in, compressed), CodecError::ok);
  const uint8_t header[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  ASSERT_GT(compressed.size(), 16u);
  EXPECT_TRUE(std::equal(header, header + 16, compressed.begin()));
  // First chunk holds snappy-java's 32 KiB block.
  uint32_t chunk = uint32_t(detail::load_be(compressed.data() + 16, 4));
  size_t length = 0;
  ASSERT_TRUE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(compressed.data() + 20), chunk, &length));
  EXPECT_EQ(length, 32768u);
}

TEST(Snappy, ReadsRawUnframedBlocksAsLibrdkafkaWrites) {
  auto in = text_data(50000);
  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(in.data()), in.size(), &raw);
  std::vector<uint8_t> out;
  ASSERT_EQ(decompress(Compression::snappy, bytes_of(raw), out, 1 << 20), CodecError::ok);
  EXPECT_EQ(out, in);
  out.clear();
  EXPECT_EQ(decompress(Compression::snappy, bytes_of(raw), out, 1000), CodecError::too_large);
}

TEST(Snappy, ReadsConcatenatedXerialStreams) {
  auto a = text_data(40000), b = random_data(1000);
  std::vector<uint8_t> compressed;
  ASSERT_EQ(compress(Compression::snappy, a, compressed), CodecError::ok);
  ASSERT_EQ(compress(Compression::snappy, b, compressed), CodecError::ok);
  std::vector<uint8_t> out;
  ASSERT_EQ(decompress(Compression::snappy, compressed, out, 1 << 20), CodecError::ok);
  auto expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  EXPECT_EQ(out, expected);
}

std::vector<uint8_t> frame_text() {
  std::string s;
  for (int i = 0; i < golden::kFrameRepeat; ++i) s += golden::kFrameText;
  return bytes_of(s);
}

TEST(Lz4, ReadsFramesFromTheLz4Cli) {
  for (const auto* frame : {&golden::kLz4CliFrame, &golden::kLz4CliFrameDefault}) {
    std::vector<uint8_t> out;
    ASSERT_EQ(decompress(Compression::lz4, *frame, out, 1 << 20), CodecError::ok);
    EXPECT_EQ(out, frame_text());
  }
}

TEST(Lz4, ReadsLinkedBlocksWithChecksums) {
  // The lz4 CLI's own settings: 4 MiB linked blocks, content checksum, plus
  // block checksums and a content size for good measure.
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max4MB;
  prefs.frameInfo.blockMode = LZ4F_blockLinked;
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
  auto in = text_data(3 << 20);
  prefs.frameInfo.contentSize = in.size();
  std::vector<uint8_t> frame(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(frame.data(), frame.size(), in.data(), in.size(), &prefs);
  ASSERT_FALSE(LZ4F_isError(n));
  frame.resize(n);
  std::vector<uint8_t> out;
  ASSERT_EQ(decompress(Compression::lz4, frame, out, 4 << 20), CodecError::ok);
  EXPECT_EQ(out, in);
  frame[n / 2] ^= 1;  // content checksum catches this
  out.clear();
  EXPECT_EQ(decompress(Compression::lz4, frame, out, 4 << 20), CodecError::corrupt);
}

TEST(Lz4, WritesKafkaFrameSettings) {
  auto in = text_data(1000);
  std::vector<uint8_t> frame;
  ASSERT_EQ(compress(Compression::lz4, in, frame), CodecError::ok);
  ASSERT_GE(frame.size(), 7u);
  EXPECT_EQ(detail::load_be(frame.data(), 4), 0x04224D18u);  // little-endian 0x184D2204
  EXPECT_EQ(frame[4], 0x60);  // version 01, independent blocks, no checksums, no size
  EXPECT_EQ(frame[5], 0x40);  // 64 KiB max block
}

TEST(Lz4, Kafka3160BrokenHeaderChecksum) {
  auto in = text_data(2000);
  std::vector<uint8_t> good, broken;
  ASSERT_EQ(compress(Compression::lz4, in, good), CodecError::ok);
  CodecOptions old{Lz4HeaderChecksum::kafka_3160_broken};
  ASSERT_EQ(compress(Compression::lz4, in, broken, old), CodecError::ok);
  ASSERT_EQ(good.size(), broken.size());
  EXPECT_NE(good[6], broken[6]);  // only the HC byte differs
  good[6] = broken[6];
  EXPECT_EQ(good, broken);

  std::vector<uint8_t> out;
  EXPECT_EQ(decompress(Compression::lz4, broken, out, 1 << 20), CodecError::corrupt);  // standard reader rejects it
  out.clear();
  ASSERT_EQ(decompress(Compression::lz4, broken, out, 1 << 20, old), CodecError::ok);
  EXPECT_EQ(out, in);
  // Kafka ignores the header checksum for magic 0, so a correct one is fine too.
  std::vector<uint8_t> standard;
  ASSERT_EQ(compress(Compression::lz4, in, standard), CodecError::ok);
  out.clear();
  ASSERT_EQ(decompress(Compression::lz4, standard, out, 1 << 20, old), CodecError::ok);
  EXPECT_EQ(out, in);
}

TEST(Zstd, ReadsFramesWithoutContentSize) {
  std::vector<uint8_t> out;
  ASSERT_EQ(ZSTD_getFrameContentSize(golden::kZstdCliFrame.data(), golden::kZstdCliFrame.size()),
            ZSTD_CONTENTSIZE_UNKNOWN);  // the CLI reading stdin does not know the size
  ASSERT_EQ(decompress(Compression::zstd, golden::kZstdCliFrame, out, 1 << 20), CodecError::ok);
  EXPECT_EQ(out, frame_text());

  // Streamed in pieces like zstd-jni's ZstdOutputStream does.
  auto in = text_data(300000);
  ZSTD_CCtx* c = ZSTD_createCCtx();
  std::vector<uint8_t> frame(ZSTD_compressBound(in.size()));
  ZSTD_outBuffer o{frame.data(), frame.size(), 0};
  for (size_t off = 0; off < in.size(); off += 10000) {
    ZSTD_inBuffer i{in.data() + off, std::min<size_t>(10000, in.size() - off), 0};
    while (i.pos < i.size) ZSTD_compressStream2(c, &o, &i, ZSTD_e_continue);
  }
  ZSTD_inBuffer empty{nullptr, 0, 0};
  while (ZSTD_compressStream2(c, &o, &empty, ZSTD_e_end) != 0) {}
  ZSTD_freeCCtx(c);
  frame.resize(o.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  out.clear();
  ASSERT_EQ(decompress(Compression::zstd, frame, out, 1 << 20), CodecError::ok);
  EXPECT_EQ(out, in);
  out.clear();
  EXPECT_EQ(decompress(Compression::zstd, frame, out, 100000), CodecError::too_large);
}

}  // namespace
}  // namespace fjord::protocol
