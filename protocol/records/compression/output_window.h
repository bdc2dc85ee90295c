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
  OutputWindow(std::vector<uint8_t>& out, size_t max_out)
      : out_(out), base_(out.size()), limit_(max_out == SIZE_MAX ? max_out : max_out + 1) {}

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
  // Trims the vector to what was produced.
  void finish() { out_.resize(base_ + produced_); }
  // Drops everything this window added (used on failure).
  void abandon() { out_.resize(base_); }

 private:
  std::vector<uint8_t>& out_;
  size_t base_;
  size_t limit_;
  size_t produced_ = 0;
};

}  // namespace fjord::protocol::codec
