#pragma once
// Test helper: feeds a byte stream through a FrameDecoder the way socket
// reads would, collecting the frames it completes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "broker/net/frame_decoder.h"

namespace fjord::broker::test {

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
  }
  return FrameDecoder::Status::need_more;
}

}  // namespace fjord::broker::test
