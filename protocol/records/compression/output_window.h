#pragma once
// Bounded output growth shared by the streaming decompressors. The window
// allows one byte more than the caller's limit: a codec that fills it has
// proven the output too large, while output of exactly max_out still fits
// (streaming APIs cannot always report "finished" when the buffer is full).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fjord::protocol::codec {

class OutputWindow {
 public:
  // append: output goes after out's current bytes; finish() trims to it.
  // reuse: output overwrites out from its start and out never shrinks, so a
  // reused buffer is neither reallocated nor zero-filled again (resize
  // zero-fills what it adds; for a batch's records that cost 11% of the
  // broker's CPU under lz4). The length is produced().
  enum class Mode : uint8_t { append, reuse };
  OutputWindow(std::vector<uint8_t>& out, size_t max_out, Mode mode = Mode::append)
      : out_(out),
        base_(mode == Mode::append ? out.size() : 0),
        limit_(max_out == SIZE_MAX ? max_out : max_out + 1),
        mode_(mode) {}

  // Makes room for at least min(want, what the limit allows) bytes after
  // `produced()`; returns false when the limit is already reached.
  bool grow(size_t want) {
    size_t used = produced_;
    if (used >= limit_) return false;
    size_t room = out_.size() - base_ - used;
    if (room >= want) return true;
    size_t target = std::max(used + want, (out_.size() - base_) * 2);
    target = std::min(target, limit_);
    // Within a reused vector's capacity this does not reallocate; it only
    // zero-fills the new part, so grow geometrically rather than to capacity.
    out_.resize(base_ + target);
    return true;
  }
  uint8_t* cursor() { return out_.data() + base_ + produced_; }
  size_t room() const { return out_.size() - base_ - produced_; }
  void advance(size_t n) { produced_ += n; }
  size_t produced() const { return produced_; }
  bool over_limit() const { return limit_ != SIZE_MAX && produced_ >= limit_; }
  // append: trims the vector to what was produced.
  void finish() {
    if (mode_ == Mode::append) out_.resize(base_ + produced_);
  }
  // Drops everything this window added (used on failure).
  void abandon() {
    if (mode_ == Mode::append) out_.resize(base_);
    produced_ = 0;
  }

 private:
  std::vector<uint8_t>& out_;
  size_t base_;
  size_t limit_;
  Mode mode_;
  size_t produced_ = 0;
};

}  // namespace fjord::protocol::codec
