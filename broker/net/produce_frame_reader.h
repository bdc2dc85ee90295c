#pragma once
// Reads one request frame (the bytes after its size prefix) for FrameDecoder.
// In a Produce request (v3+), a records field of kMinDetach bytes or more is
// received straight into a BatchArena slot placed at the offset its log's
// file position will have, so the log tail adopts the memory instead of
// copying the batch (SegmentTail::adopt). Everything else lands in the frame
// buffer as sent.
//
// The frame handed on is the request as sent, except that each detached
// records field is empty (length 0): its bytes are in FrameBytes::detached.
// The header and body fields are parsed only as far as finding the records
// fields; anything unexpected (another API, a bad length) makes the rest of
// the frame go into the buffer unparsed, for the request's own decoder to
// judge. Only the bytes a read took past a records length are copied into
// the slot, which is why reads stay small while the parse goes on.
#include <cstdint>
#include <span>
#include <string>

#include "broker/net/frame_decoder.h"
#include "storage/io/batch_arena.h"

namespace fjord::protocol {
class Reader;
}

namespace fjord::broker {

class ProduceFrameReader {
 public:
  static constexpr uint32_t kMinDetach = 16 << 10;
  // Largest read while parsing: bytes past a detached field's length are copied.
  static constexpr size_t kParseRead = 8 << 10;

  // `min_detach`: kMinDetach but in tests.
  ProduceFrameReader(size_t frame_size, const RecordsPlacer& placer, storage::BatchArena& arena,
                     uint32_t min_detach = kMinDetach);

  // Where the next bytes of the frame go, and at most how many.
  std::span<uint8_t> read_target();
  // `n` bytes were written into the last read_target().
  void commit(size_t n);
  // Takes bytes already received elsewhere; returns how many belonged to this frame.
  size_t feed(const uint8_t* data, size_t n);
  bool complete() const { return consumed_ == frame_size_; }
  // Bytes of the frame not received yet.
  size_t owed() const { return frame_size_ - consumed_; }
  // The frame, once complete().
  FrameBuffer take();

 private:
  enum class Mode { parse, inline_body, detached_body, raw };
  enum class Stage { header, request, topic, partition, partition_tags, topic_tags, request_tags, done };

  void parse();
  // One stage from the checkpoint: false when its bytes are not all here yet.
  bool step(protocol::Reader& r);
  bool records_field(protocol::Reader& r);
  void after_partition();
  void after_topic();

  const size_t frame_size_;
  const uint32_t min_detach_;
  const RecordsPlacer& placer_;
  storage::BatchArena& arena_;
  FrameBuffer frame_;
  size_t consumed_ = 0;  // bytes of the frame as sent taken so far
  size_t filled_ = 0;    // bytes in frame_ (fewer than consumed_ once fields are detached)
  size_t parsed_ = 0;    // checkpoint: frame_ bytes before it are parsed
  Mode mode_ = Mode::parse;
  size_t body_left_ = 0;  // of the records body being received
  uint8_t* detached_to_ = nullptr;

  Stage stage_ = Stage::header;
  bool flexible_ = false;
  int64_t topics_left_ = 0;
  int64_t partitions_left_ = 0;
  size_t ordinal_ = 0;
  std::string topic_;
};

}  // namespace fjord::broker
