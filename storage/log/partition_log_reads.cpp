// PartitionLog's reads: the slices a fetch sends and the ListOffsets
// lookups by timestamp (partition_log.h).
#include "storage/log/partition_log.h"

#include <algorithm>
#include <vector>

#include "protocol/records/record_reader.h"
#include "storage/log/segment.h"

namespace fjord::storage {

ReadResult PartitionLog::read(int64_t offset, int32_t max_bytes, bool min_one_batch,
                              std::optional<int64_t> upto, ReadMode mode) const {
  std::lock_guard lk(mu_);
  ReadResult r;
  r.high_watermark = hw_.load(std::memory_order_acquire);
  r.log_start_offset = log_start_;
  r.last_stable_offset = lso_.load(std::memory_order_acquire);
  if (offset < log_start_ || offset > log_end_) {
    r.error = Errc::offset_out_of_range;
    return r;
  }
  int64_t limit = std::min(upto ? *upto : r.high_watermark, log_end_);
  if (offset >= limit) return r;
  uint64_t miss = Segment::kNoMiss;
  uint64_t* const miss_at = mode == ReadMode::cached_only ? &miss : nullptr;
  auto not_cached = [&](const std::shared_ptr<Segment>& seg, uint64_t from, uint64_t to) {
    r.error = Errc::not_cached;
    r.load = load_of(seg, from, to);
    return r;
  };
  const uint64_t reach = uint64_t(std::max(max_bytes, 0)) + uint64_t(kLoadSlack);
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  for (; it != segments_.end(); ++it) {
    const auto& seg = it->second;
    StoredBatch b;
    if (!seg->find_batch(offset, &b, miss_at)) {
      if (miss != Segment::kNoMiss) return not_cached(seg, miss, miss + reach);
      continue;  // compaction may leave gaps
    }
    if (b.base_offset >= limit) return r;
    uint64_t max_end = b.position + uint64_t(std::max(max_bytes, 0));
    max_end = std::min<uint64_t>(max_end, seg->size());
    // Bytes still in the tail are sent from memory, the rest with sendfile;
    // a slice is one or the other (the caller fetches again for more).
    uint64_t contiguous_end = 0;
    std::shared_ptr<const void> pin;
    const uint8_t* memory = seg->tail_at(b.position, &contiguous_end, &pin);
    max_end = std::min(max_end, memory ? contiguous_end : seg->file_end());
    uint64_t end = seg->end_of_batches(b.position, max_end, limit, miss_at);
    if (miss != Segment::kNoMiss) return not_cached(seg, b.position, b.position + reach);
    if (end == b.position) {
      if (!min_one_batch) return r;
      end = b.position + b.size;  // Kafka's minOneMessage
    }
    // sendfile would wait for the disk in the caller's thread.
    if (miss_at && !memory && !seg->resident(b.position, end)) return not_cached(seg, b.position, end);
    r.slice = protocol::FileSlice{seg->fd(), b.position, uint32_t(end - b.position), memory};
    r.keepalive = memory ? std::move(pin) : std::shared_ptr<const void>(seg);
    // A slice that stopped only because its memory did goes on in the next
    // piece (one adopted batch each), as one bigger chunk would have.
    const uint64_t read_end = std::min<uint64_t>(b.position + uint64_t(std::max(max_bytes, 0)), seg->size());
    while (memory && end == contiguous_end && end < read_end && r.more.size() < kMaxMemoryPieces) {
      memory = seg->tail_at(end, &contiguous_end, &pin);
      if (!memory) break;
      const uint64_t next = seg->end_of_batches(end, std::min(read_end, contiguous_end), limit, nullptr);
      if (next == end) break;
      r.more.push_back(protocol::FileSlice{seg->fd(), end, uint32_t(next - end), memory});
      r.more_keepalive.push_back(std::move(pin));
      end = next;
    }
    return r;
  }
  return r;
}

namespace {
// First record in the batch at `b` with timestamp >= ts and offset >= min_offset
// (exact == true: timestamp == ts). Record-level, as Kafka answers ListOffsets.
std::optional<std::pair<int64_t, int64_t>> record_in_batch(const Segment& seg, const StoredBatch& b, int64_t ts,
                                                           int64_t min_offset, bool exact) {
  const uint8_t* p = seg.data_at(b.position);
  if (!p) return std::nullopt;
  protocol::RecordBatchView v(const_cast<uint8_t*>(p), b.size);
  std::vector<uint8_t> scratch;
  protocol::RecordReader rr;
  if (rr.open(v, scratch) != protocol::BatchError::ok) return std::nullopt;
  protocol::Record r;
  while (rr.next(&r)) {
    if (r.offset < min_offset) continue;
    if (exact ? r.timestamp == ts : r.timestamp >= ts) return std::make_pair(r.offset, r.timestamp);
  }
  return std::nullopt;
}
}  // namespace

CacheLoad PartitionLog::load_of(const std::shared_ptr<Segment>& seg, uint64_t from, uint64_t to) {
  const uint64_t end = seg->file_end();
  return {seg->fd(), std::min(from, end), std::min(to, end) - std::min(from, end), seg};
}

bool PartitionLog::stop_for_load(const std::shared_ptr<Segment>& seg, bool found, const StoredBatch& b, uint64_t miss,
                                 CacheLoad* not_cached) {
  if (miss != Segment::kNoMiss) {
    *not_cached = load_of(seg, miss, miss + kTimestampLoadBytes);  // the walk goes on from there
    return true;
  }
  if (found && not_cached && !seg->resident(b.position, b.position + b.size)) {
    *not_cached = load_of(seg, b.position, b.position + b.size);  // its records are read
    return true;
  }
  return false;
}

std::optional<std::pair<int64_t, int64_t>> PartitionLog::offset_for_timestamp(int64_t ts, CacheLoad* not_cached) const {
  std::lock_guard lk(mu_);
  int64_t hw = hw_.load(std::memory_order_acquire);
  uint64_t miss = Segment::kNoMiss;
  for (auto& [base, seg] : segments_) {
    if (seg->next_offset() <= log_start_ || seg->max_timestamp() < ts) continue;
    StoredBatch b;
    const bool in_segment = seg->find_by_timestamp(ts, log_start_, &b, not_cached ? &miss : nullptr);
    if (stop_for_load(seg, in_segment, b, miss, not_cached)) return std::nullopt;
    if (!in_segment) continue;
    auto found = record_in_batch(*seg, b, ts, log_start_, false);
    if (!found) found = std::make_pair(std::max(b.base_offset, log_start_), b.max_timestamp);
    if (found->first >= hw) return std::nullopt;
    return found;
  }
  return std::nullopt;
}

std::pair<int64_t, int64_t> PartitionLog::max_timestamp_offset(CacheLoad* not_cached) const {
  std::lock_guard lk(mu_);
  const std::shared_ptr<Segment>* best = nullptr;
  for (auto& [base, seg] : segments_) {
    if (seg->offset_of_max_timestamp() >= log_start_ && (!best || seg->max_timestamp() > (*best)->max_timestamp()))
      best = &seg;
  }
  if (!best || (*best)->max_timestamp() < 0) return {-1, -1};
  const Segment& seg = **best;
  StoredBatch b;
  uint64_t miss = Segment::kNoMiss;
  const bool found = seg.find_batch(seg.offset_of_max_timestamp(), &b, not_cached ? &miss : nullptr);
  if (stop_for_load(*best, found, b, miss, not_cached)) return {-1, -1};
  if (found) {
    if (auto r = record_in_batch(seg, b, seg.max_timestamp(), log_start_, true)) return *r;
  }
  return {seg.offset_of_max_timestamp(), seg.max_timestamp()};
}

}  // namespace fjord::storage
