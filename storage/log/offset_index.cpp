#include "storage/log/offset_index.h"

#include "protocol/records/record_batch.h"

namespace fjord::storage {

using protocol::detail::load_be;
using protocol::detail::store_be;

Errc OffsetIndex::open(const std::string& path, int64_t base_offset, size_t capacity_bytes) {
  base_ = base_offset;
  return file_.open(path, kEntrySize, capacity_bytes);
}

OffsetPosition OffsetIndex::entry(size_t i) const {
  const uint8_t* p = file_.entry(i);
  return {base_ + static_cast<int32_t>(load_be(p, 4)), static_cast<uint32_t>(load_be(p + 4, 4))};
}

OffsetPosition OffsetIndex::lookup(int64_t target) const {
  size_t lo = 0, hi = entries();  // first entry with offset > target
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (entry(mid).offset <= target) lo = mid + 1; else hi = mid;
  }
  return lo == 0 ? OffsetPosition{base_, 0} : entry(lo - 1);
}

OffsetPosition OffsetIndex::lookup_position(uint64_t pos) const {
  size_t lo = 0, hi = entries();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (entry(mid).position <= pos) lo = mid + 1; else hi = mid;
  }
  return lo == 0 ? OffsetPosition{base_, 0} : entry(lo - 1);
}

bool OffsetIndex::append(int64_t offset, uint32_t position) {
  if (entries() > 0) {
    auto last = entry(entries() - 1);
    if (offset <= last.offset || position <= last.position) return false;
  }
  uint8_t buf[kEntrySize];
  store_be(buf, static_cast<uint32_t>(offset - base_), 4);
  store_be(buf + 4, position, 4);
  return file_.append(buf);
}

void OffsetIndex::truncate_to_offset(int64_t offset) {
  size_t n = entries();
  while (n > 0 && entry(n - 1).offset >= offset) --n;
  file_.truncate_entries(n);
}

bool OffsetIndex::sane(uint64_t log_size) const {
  int64_t prev_off = base_ - 1;
  int64_t prev_pos = -1;
  for (size_t i = 0; i < entries(); ++i) {
    auto e = entry(i);
    if (e.offset <= prev_off || int64_t(e.position) <= prev_pos || e.position >= log_size) return false;
    prev_off = e.offset;
    prev_pos = e.position;
  }
  return true;
}

}  // namespace fjord::storage
