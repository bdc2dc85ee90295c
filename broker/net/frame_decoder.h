#pragma once
// Splits a TCP byte stream into Kafka request frames (int32 size prefix +
// payload). Small pipelined frames arrive through a staging buffer; once a
// frame's size is known its body is read straight into the frame's own
// buffer, so large produce requests are not copied.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace fjord::broker {

using FrameBuffer = std::shared_ptr<std::vector<uint8_t>>;

class FrameDecoder {
 public:
  enum class Status { need_more, frame, too_large, negative_size };

  explicit FrameDecoder(int32_t max_frame_size, size_t staging_size = 64 * 1024);

  // Where the next socket read should land, and how much it may write.
  std::span<uint8_t> read_target();
  // Records that `n` bytes were written into the last read_target().
  void commit(size_t n);

  // Extracts the next complete frame if there is one. On too_large /
  // negative_size the stream is unusable and the caller should close.
  Status next(FrameBuffer* out);

  // Size prefix that caused too_large / negative_size.
  int32_t bad_size() const { return bad_size_; }
  // Bytes buffered but not yet returned as a frame (for tests / idle checks).
  bool mid_frame() const { return body_ != nullptr || stage_end_ > stage_begin_; }

 private:
  int32_t max_frame_size_;
  std::vector<uint8_t> stage_;
  size_t stage_begin_ = 0;
  size_t stage_end_ = 0;
  FrameBuffer body_;      // frame being filled directly
  size_t body_filled_ = 0;
  int32_t bad_size_ = 0;
};

}  // namespace fjord::broker
