#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "broker/net/frame_decoder.h"
#include "frame_feed.h"

namespace fjord::broker {
namespace {

std::vector<uint8_t> frame(std::vector<uint8_t> body) {
  std::vector<uint8_t> out;
  uint32_t n = static_cast<uint32_t>(body.size());
  out.push_back(uint8_t(n >> 24));
  out.push_back(uint8_t(n >> 16));
  out.push_back(uint8_t(n >> 8));
  out.push_back(uint8_t(n));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Feeds `stream` in chunks of at most `chunk` bytes, collecting frames' bytes.
FrameDecoder::Status feed(FrameDecoder& d, const std::vector<uint8_t>& stream, size_t chunk,
                          std::vector<std::vector<uint8_t>>* frames) {
  std::vector<FrameBuffer> got;
  auto st = test::feed_frames(d, stream, [chunk] { return chunk; }, &got);
  for (const auto& f : got) frames->emplace_back(f->begin(), f->end());
  return st;
}

TEST(FrameDecoder, PipelinedFramesInOneRead) {
  std::vector<uint8_t> stream;
  for (int i = 0; i < 5; ++i) {
    auto f = frame(std::vector<uint8_t>(10 + i, uint8_t(i)));
    stream.insert(stream.end(), f.begin(), f.end());
  }
  FrameDecoder d(1 << 20);
  std::vector<std::vector<uint8_t>> frames;
  feed(d, stream, stream.size(), &frames);
  ASSERT_EQ(frames.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(frames[i], std::vector<uint8_t>(10 + i, uint8_t(i)));
  EXPECT_FALSE(d.mid_frame());
}

TEST(FrameDecoder, ByteAtATimeAndLargeFramesAcrossStaging) {
  std::vector<uint8_t> big(100000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = uint8_t(i * 7);
  std::vector<uint8_t> stream = frame({1, 2, 3});
  auto f2 = frame(big);
  stream.insert(stream.end(), f2.begin(), f2.end());
  auto f3 = frame({});
  stream.insert(stream.end(), f3.begin(), f3.end());
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{4096}, size_t{1 << 20}}) {
    FrameDecoder d(1 << 20, 16);
    std::vector<std::vector<uint8_t>> frames;
    feed(d, stream, chunk, &frames);
    ASSERT_EQ(frames.size(), 3u) << chunk;
    EXPECT_EQ(frames[0], (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_EQ(frames[1], big);
    EXPECT_TRUE(frames[2].empty());
  }
}

TEST(FrameDecoder, TruncatedFrameWaitsForMore) {
  auto f = frame({9, 9, 9, 9});
  f.pop_back();
  FrameDecoder d(100);
  std::vector<std::vector<uint8_t>> frames;
  EXPECT_EQ(feed(d, f, 100, &frames), FrameDecoder::Status::need_more);
  EXPECT_TRUE(frames.empty());
  EXPECT_TRUE(d.mid_frame());
}

TEST(FrameDecoder, RejectsOversizedAndNegativeSizes) {
  {
    FrameDecoder d(1000);
    std::vector<std::vector<uint8_t>> frames;
    EXPECT_EQ(feed(d, {0x00, 0x00, 0x03, 0xe9}, 4, &frames), FrameDecoder::Status::too_large);
    EXPECT_EQ(d.bad_size(), 1001);
  }
  {
    FrameDecoder d(1000);
    std::vector<std::vector<uint8_t>> frames;
    // A 2 GiB prefix reads as a negative int32.
    EXPECT_EQ(feed(d, {0x80, 0x00, 0x00, 0x00}, 4, &frames), FrameDecoder::Status::negative_size);
  }
  {
    FrameDecoder d(1000);
    std::vector<std::vector<uint8_t>> frames;
    EXPECT_EQ(feed(d, {0x7f, 0xff, 0xff, 0xff}, 4, &frames), FrameDecoder::Status::too_large);
  }
}

}  // namespace
}  // namespace fjord::broker
