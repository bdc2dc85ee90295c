#pragma once
// Splits a TCP byte stream into Kafka request frames (int32 size prefix +
// payload). Small pipelined frames arrive through a staging buffer; once a
// frame's size is known its body is read straight into the frame's own
// buffer, so large produce requests are not copied.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/io/batch_arena.h"

namespace fjord::broker {

// A produce records field received outside the frame buffer (ProduceFrameReader).
struct DetachedRecords {
  size_t ordinal = 0;  // which partition entry of the request, counted across topics from 0
  storage::ArenaBatch bytes;
};

// One request frame's bytes. Not zero-filled: the socket read overwrites
// them, and zeroing every produce request cost ~4% of the broker's CPU.
class FrameBytes {
 public:
  explicit FrameBytes(size_t size) : data_(std::make_unique_for_overwrite<uint8_t[]>(size)), size_(size) {}
  // Produce records fields whose bytes are not in the buffer, in request
  // order; their fields in the buffer are empty.
  std::vector<DetachedRecords> detached;
  void shrink_to(size_t n) { size_ = n < size_ ? n : size_; }
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  const uint8_t* begin() const { return data_.get(); }
  const uint8_t* end() const { return data_.get() + size_; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_;
};
using FrameBuffer = std::shared_ptr<FrameBytes>;
// A frame holding a copy of `bytes` (tests and tools).
FrameBuffer make_frame(std::span<const uint8_t> bytes);

// Where a produce batch for (topic, partition) is expected to start within a
// 4 KiB file block (its log's next position mod 4096), or -1 to keep the
// batch in the frame.
using RecordsPlacer = std::function<int(const std::string& topic, int32_t partition)>;

class ProduceFrameReader;

class FrameDecoder {
 public:
  enum class Status { need_more, frame, too_large, negative_size };
  // Frames from this size on go through a ProduceFrameReader when a placer is set.
  static constexpr int32_t kMinPlacedFrame = 32 << 10;

  explicit FrameDecoder(int32_t max_frame_size, size_t staging_size = 64 * 1024, RecordsPlacer placer = {});
  ~FrameDecoder();

  // Where the next socket read should land, and how much it may write.
  std::span<uint8_t> read_target();
  // Records that `n` bytes were written into the last read_target().
  void commit(size_t n);

  // Extracts the next complete frame if there is one. On too_large /
  // negative_size the stream is unusable and the caller should close.
  Status next(FrameBuffer* out);

  // Size prefix that caused too_large / negative_size.
  int32_t bad_size() const { return bad_size_; }
  // Bytes of the frame being read that have not arrived yet (0 between
  // frames): the sender owes them, so a reader may wait for that many.
  size_t bytes_owed() const;
  // Bytes buffered but not yet returned as a frame (for tests / idle checks).
  bool mid_frame() const { return body_ != nullptr || reader_ != nullptr || stage_end_ > stage_begin_; }

 private:
  int32_t max_frame_size_;
  std::vector<uint8_t> stage_;
  size_t stage_begin_ = 0;
  size_t stage_end_ = 0;
  FrameBuffer body_;      // frame being filled directly
  size_t body_filled_ = 0;
  int32_t bad_size_ = 0;
  RecordsPlacer placer_;
  storage::BatchArena arena_;
  std::unique_ptr<ProduceFrameReader> reader_;  // frame being read by one
  bool after_placed_ = false;                    // the last frame was read by one
};

}  // namespace fjord::broker
