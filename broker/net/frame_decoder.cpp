#include "broker/net/frame_decoder.h"

#include <algorithm>
#include <cstring>

#include "broker/net/produce_frame_reader.h"

namespace fjord::broker {

FrameBuffer make_frame(std::span<const uint8_t> bytes) {
  auto frame = std::make_shared<FrameBytes>(bytes.size());
  if (!bytes.empty()) std::memcpy(frame->data(), bytes.data(), bytes.size());
  return frame;
}

FrameDecoder::FrameDecoder(int32_t max_frame_size, size_t staging_size, RecordsPlacer placer)
    : max_frame_size_(max_frame_size), stage_(staging_size < 8 ? 8 : staging_size), placer_(std::move(placer)) {}

FrameDecoder::~FrameDecoder() = default;

std::span<uint8_t> FrameDecoder::read_target() {
  if (reader_) return reader_->read_target();
  if (body_) return {body_->data() + body_filled_, body_->size() - body_filled_};
  if (stage_begin_ == stage_end_) stage_begin_ = stage_end_ = 0;
  if (stage_.size() - stage_end_ < 4) {
    // Keep a partial size prefix at the front so there is room after it.
    std::memmove(stage_.data(), stage_.data() + stage_begin_, stage_end_ - stage_begin_);
    stage_end_ -= stage_begin_;
    stage_begin_ = 0;
  }
  // After a placed frame, read little: the next frame is likely another
  // big produce, and what the staging read takes of its records is copied.
  const size_t space = stage_.size() - stage_end_;
  return {stage_.data() + stage_end_, after_placed_ ? std::min(space, ProduceFrameReader::kParseRead) : space};
}

size_t FrameDecoder::bytes_owed() const {
  if (reader_) return reader_->owed();
  if (body_) return body_->size() - body_filled_;
  return 0;
}

void FrameDecoder::commit(size_t n) {
  if (reader_) reader_->commit(n);
  else if (body_) body_filled_ += n;
  else stage_end_ += n;
}

FrameDecoder::Status FrameDecoder::next(FrameBuffer* out) {
  if (reader_) {
    if (!reader_->complete()) return Status::need_more;
    *out = reader_->take();
    reader_.reset();
    after_placed_ = true;
    return Status::frame;
  }
  if (body_) {
    if (body_filled_ < body_->size()) return Status::need_more;
    *out = std::move(body_);
    body_.reset();
    body_filled_ = 0;
    return Status::frame;
  }
  size_t avail = stage_end_ - stage_begin_;
  if (avail < 4) return Status::need_more;
  const uint8_t* p = stage_.data() + stage_begin_;
  int32_t size = static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]);
  if (size < 0) { bad_size_ = size; return Status::negative_size; }
  if (size > max_frame_size_) { bad_size_ = size; return Status::too_large; }
  stage_begin_ += 4;
  avail -= 4;
  if (placer_ && size >= kMinPlacedFrame) {
    reader_ = std::make_unique<ProduceFrameReader>(static_cast<size_t>(size), placer_, arena_);
    stage_begin_ += reader_->feed(stage_.data() + stage_begin_, avail);
    return next(out);
  }
  after_placed_ = false;
  auto frame = std::make_shared<FrameBytes>(static_cast<size_t>(size));
  size_t take = avail < static_cast<size_t>(size) ? avail : static_cast<size_t>(size);
  if (take) std::memcpy(frame->data(), stage_.data() + stage_begin_, take);
  stage_begin_ += take;
  if (take == static_cast<size_t>(size)) {
    *out = std::move(frame);
    return Status::frame;
  }
  body_ = std::move(frame);
  body_filled_ = take;
  return Status::need_more;
}

}  // namespace fjord::broker
