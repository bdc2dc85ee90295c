#include "storage/log/time_index.h"

#include "protocol/records/record_batch.h"

namespace fjord::storage {

using protocol::detail::load_be;
using protocol::detail::store_be;

Errc TimeIndex::open(const std::string& path, int64_t base_offset, size_t capacity_bytes) {
  base_ = base_offset;
  return file_.open(path, kEntrySize, capacity_bytes);
}

TimestampOffset TimeIndex::entry(size_t i) const {
  const uint8_t* p = file_.entry(i);
  return {static_cast<int64_t>(load_be(p, 8)), base_ + static_cast<int32_t>(load_be(p + 8, 4))};
}

TimestampOffset TimeIndex::last() const {
  return entries() == 0 ? TimestampOffset{-1, base_} : entry(entries() - 1);
}

TimestampOffset TimeIndex::lookup(int64_t ts) const {
  size_t lo = 0, hi = entries();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (entry(mid).timestamp <= ts) lo = mid + 1; else hi = mid;
  }
  return lo == 0 ? TimestampOffset{-1, base_} : entry(lo - 1);
}

bool TimeIndex::maybe_append(int64_t ts, int64_t offset) {
  if (entries() > 0) {
    auto l = last();
    if (ts <= l.timestamp) return true;  // nothing new to record
    if (offset < l.offset) return false;
  }
  uint8_t buf[kEntrySize];
  store_be(buf, static_cast<uint64_t>(ts), 8);
  store_be(buf + 8, static_cast<uint32_t>(offset - base_), 4);
  return file_.append(buf);
}

void TimeIndex::truncate_to_offset(int64_t offset) {
  size_t n = entries();
  while (n > 0 && entry(n - 1).offset >= offset) --n;
  file_.truncate_entries(n);
}

bool TimeIndex::sane(int64_t next_offset) const {
  int64_t prev_ts = INT64_MIN;
  int64_t prev_off = base_;
  for (size_t i = 0; i < entries(); ++i) {
    auto e = entry(i);
    if (e.timestamp < prev_ts || e.offset < prev_off || e.offset >= next_offset) return false;
    prev_ts = e.timestamp;
    prev_off = e.offset;
  }
  return true;
}

}  // namespace fjord::storage
