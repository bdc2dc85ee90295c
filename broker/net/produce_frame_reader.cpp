#include "broker/net/produce_frame_reader.h"

#include <algorithm>
#include <cstring>

#include "protocol/wire/reader.h"

namespace fjord::broker {
namespace {

constexpr int16_t kProduceKey = 0;
constexpr int16_t kMinVersion = 3;   // one v2 batch per partition; older ones are message sets
constexpr int16_t kMaxVersion = 11;  // the newest whose layout is parsed here

// Lengths and counts as sent; -1 for null. The Reader's own length checks
// would take a body not received yet for a malformed length.
int64_t length(protocol::Reader& r, bool flexible, bool wide) {
  if (flexible) return int64_t(r.uvarint()) - 1;
  return wide ? int64_t(r.i32()) : int64_t(r.i16());
}

bool skip_string(protocol::Reader& r, bool flexible, bool nullable) {
  const int64_t n = length(r, flexible, false);
  if (n < -1 || (n == -1 && !nullable)) return false;
  if (n > 0) r.skip(size_t(n));
  return true;
}

void skip_tags(protocol::Reader& r) {
  for (uint32_t n = r.uvarint(); n > 0 && r.ok(); --n) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

}  // namespace

ProduceFrameReader::ProduceFrameReader(size_t frame_size, const RecordsPlacer& placer, storage::BatchArena& arena,
                                       uint32_t min_detach)
    : frame_size_(frame_size),
      min_detach_(min_detach),
      placer_(placer),
      arena_(arena),
      frame_(std::make_shared<FrameBytes>(frame_size)) {}

std::span<uint8_t> ProduceFrameReader::read_target() {
  const size_t left = frame_size_ - consumed_;
  switch (mode_) {
    case Mode::detached_body: return {detached_to_, body_left_};
    case Mode::inline_body: return {frame_->data() + filled_, body_left_};
    case Mode::raw: return {frame_->data() + filled_, left};
    case Mode::parse: break;
  }
  return {frame_->data() + filled_, std::min(left, kParseRead)};
}

void ProduceFrameReader::commit(size_t n) {
  consumed_ += n;
  switch (mode_) {
    case Mode::detached_body:
      detached_to_ += n;
      body_left_ -= n;
      if (body_left_ == 0) mode_ = Mode::parse;
      break;
    case Mode::inline_body:
      filled_ += n;
      body_left_ -= n;
      if (body_left_ == 0) mode_ = Mode::parse;
      break;
    case Mode::raw:
    case Mode::parse:
      filled_ += n;
      break;
  }
  if (mode_ == Mode::parse) parse();
}

size_t ProduceFrameReader::feed(const uint8_t* data, size_t n) {
  size_t taken = 0;
  while (taken < n && !complete()) {
    auto target = read_target();
    const size_t k = std::min(target.size(), n - taken);
    std::memcpy(target.data(), data + taken, k);
    commit(k);
    taken += k;
  }
  return taken;
}

FrameBuffer ProduceFrameReader::take() {
  frame_->shrink_to(filled_);
  return std::move(frame_);
}

void ProduceFrameReader::parse() {
  while (mode_ == Mode::parse) {
    if (stage_ == Stage::done) {
      mode_ = Mode::raw;  // nothing should follow; the decoder judges what does
      return;
    }
    // Every step that succeeds moves parsed_ on by at least a byte.
    protocol::Reader r(frame_->data() + parsed_, filled_ - parsed_);
    if (!step(r)) {
      // Incomplete, unless the whole frame is here: then it is malformed.
      if (complete()) mode_ = Mode::raw;
      return;
    }
  }
}

bool ProduceFrameReader::step(protocol::Reader& r) {
  switch (stage_) {
    case Stage::header: {
      const int16_t key = r.i16();
      const int16_t version = r.i16();
      r.i32();  // correlation id
      if (!r.ok()) return false;
      if (key != kProduceKey || version < kMinVersion || version > kMaxVersion) {
        mode_ = Mode::raw;
        return true;
      }
      flexible_ = version >= 9;
      if (!skip_string(r, false, true)) { mode_ = Mode::raw; return true; }  // client id
      if (flexible_) skip_tags(r);
      if (!r.ok()) return false;
      parsed_ += r.position();
      stage_ = Stage::request;
      return true;
    }
    case Stage::request: {
      if (!skip_string(r, flexible_, true)) { mode_ = Mode::raw; return true; }  // transactional id
      r.i16();  // acks
      r.i32();  // timeout
      const int64_t topics = length(r, flexible_, true);
      if (!r.ok()) return false;
      if (topics < 0) { mode_ = Mode::raw; return true; }
      parsed_ += r.position();
      topics_left_ = topics;
      stage_ = topics ? Stage::topic : (flexible_ ? Stage::request_tags : Stage::done);
      return true;
    }
    case Stage::topic: {
      const int64_t n = length(r, flexible_, false);
      if (r.ok() && n < 0) { mode_ = Mode::raw; return true; }
      const uint8_t* name = r.take(size_t(std::max<int64_t>(n, 0)));
      const int64_t partitions = length(r, flexible_, true);
      if (!r.ok()) return false;
      if (partitions < 0) { mode_ = Mode::raw; return true; }
      topic_.assign(reinterpret_cast<const char*>(name), size_t(n));
      parsed_ += r.position();
      partitions_left_ = partitions;
      if (partitions) stage_ = Stage::partition;
      else if (flexible_) stage_ = Stage::topic_tags;
      else after_topic();
      return true;
    }
    case Stage::partition: return records_field(r);
    case Stage::partition_tags:
    case Stage::topic_tags:
    case Stage::request_tags: {
      skip_tags(r);
      if (!r.ok()) return false;
      parsed_ += r.position();
      if (stage_ == Stage::partition_tags) after_partition();
      else if (stage_ == Stage::topic_tags) after_topic();
      else stage_ = Stage::done;
      return true;
    }
    case Stage::done: return true;
  }
  return true;
}

bool ProduceFrameReader::records_field(protocol::Reader& r) {
  const int32_t partition = r.i32();
  const size_t length_at = r.position();
  const int64_t n = length(r, flexible_, true);
  if (!r.ok()) return false;
  const size_t ordinal = ordinal_++;
  const size_t body_at = parsed_ + r.position();
  const size_t here = filled_ - body_at;  // body bytes (and maybe more) already read
  if (n < -1 || (n > 0 && uint64_t(n) > here + (frame_size_ - consumed_))) {
    mode_ = Mode::raw;
    return true;
  }
  const size_t body = size_t(std::max<int64_t>(n, 0));
  if (flexible_) stage_ = Stage::partition_tags;
  else after_partition();

  int residue = -1;
  storage::ArenaBatch slot;
  if (body >= min_detach_ && placer_) residue = placer_(topic_, partition);
  if (residue >= 0) slot = arena_.allocate(uint32_t(residue), uint32_t(body));
  if (!slot.data) {
    // Stays in the frame.
    parsed_ = body_at + body;
    if (here < body) {
      body_left_ = body - here;
      mode_ = Mode::inline_body;
    }
    return true;
  }
  // The field becomes empty in the frame; its bytes go to the slot.
  const size_t field_at = parsed_ + length_at;
  size_t empty_end;
  if (flexible_) {
    frame_->data()[field_at] = 1;  // compact length 0
    empty_end = field_at + 1;
  } else {
    std::memset(frame_->data() + field_at, 0, 4);
    empty_end = field_at + 4;
  }
  const size_t got = std::min(here, body);
  std::memcpy(slot.data, frame_->data() + body_at, got);
  const size_t after = here - got;  // bytes past the body, read with it
  std::memmove(frame_->data() + empty_end, frame_->data() + body_at + got, after);
  filled_ = empty_end + after;
  parsed_ = empty_end;
  frame_->detached.push_back({ordinal, slot});
  if (got < body) {
    detached_to_ = slot.data + got;
    body_left_ = body - got;
    mode_ = Mode::detached_body;
  }
  return true;
}

void ProduceFrameReader::after_partition() {
  if (--partitions_left_ > 0) stage_ = Stage::partition;
  else if (flexible_) stage_ = Stage::topic_tags;
  else after_topic();
}

void ProduceFrameReader::after_topic() {
  if (--topics_left_ > 0) stage_ = Stage::topic;
  else stage_ = flexible_ ? Stage::request_tags : Stage::done;
}

}  // namespace fjord::broker
