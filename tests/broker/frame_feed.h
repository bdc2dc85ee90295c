#pragma once
// Test helper: feeds a byte stream through a FrameDecoder the way socket
// reads would, collecting the frames it completes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "broker/net/frame_decoder.h"

namespace fjord::broker::test {

// What FrameDecoder::bytes_owed() must say once stream[0, pos) is taken:
// the rest of the frame `pos` is inside, 0 on a boundary or in a size prefix.
inline size_t owed_at(const std::vector<uint8_t>& stream, size_t pos) {
  size_t at = 0;
  while (at + 4 <= stream.size()) {
    const size_t size = (size_t{stream[at]} << 24) | (size_t{stream[at + 1]} << 16) |
                        (size_t{stream[at + 2]} << 8) | stream[at + 3];
    const size_t body = at + 4, end = body + size;
    if (pos < end) return pos >= body ? end - pos : 0;
    at = end;
  }
  return 0;
}

// Each read takes at most piece() bytes (and never more than the decoder's
// target). Returns the first status other than need_more and frame, or
// need_more once the stream is used up.
template <typename Piece>
FrameDecoder::Status feed_frames(FrameDecoder& d, const std::vector<uint8_t>& stream, Piece piece,
                                 std::vector<FrameBuffer>* frames) {
  size_t pos = 0;
  while (pos < stream.size()) {
    auto target = d.read_target();
    EXPECT_GT(target.size(), 0u);
    const size_t n = std::min({size_t(piece()), target.size(), stream.size() - pos});
    std::memcpy(target.data(), stream.data() + pos, n);
    d.commit(n);
    pos += n;
    for (;;) {
      FrameBuffer f;
      auto st = d.next(&f);
      if (st == FrameDecoder::Status::need_more) break;
      if (st != FrameDecoder::Status::frame) return st;
      frames->push_back(std::move(f));
    }
    EXPECT_EQ(d.bytes_owed(), owed_at(stream, pos)) << "after " << pos << " bytes";
  }
  return FrameDecoder::Status::need_more;
}

}  // namespace fjord::broker::test
