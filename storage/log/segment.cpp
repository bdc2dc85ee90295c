#include "storage/log/segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

namespace fjord::storage {

using protocol::RecordBatchView;

namespace {
constexpr uint64_t kMinBatchLength = protocol::kBatchHeaderSize - protocol::kLogOverhead;

std::string path_of(const std::string& dir, int64_t base, const char* ext, const std::string& suffix) {
  return dir + "/" + offset_file_name(base, ext) + suffix;
}
}  // namespace

Segment::~Segment() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), map_len_);
}

Errc Segment::create(const std::string& dir, int64_t base_offset, const SegmentOptions& opt,
                     int64_t now_ms, std::unique_ptr<Segment>* out, const std::string& suffix) {
  std::unique_ptr<Segment> s(new Segment());
  s->dir_ = dir;
  s->base_ = base_offset;
  s->opt_ = opt;
  s->suffix_ = suffix;
  s->next_offset_ = base_offset;
  s->created_ms_ = now_ms;
  s->log_path_ = path_of(dir, base_offset, ".log", suffix);
  std::string idx = path_of(dir, base_offset, ".index", suffix);
  std::string tidx = path_of(dir, base_offset, ".timeindex", suffix);
  ::unlink(idx.c_str());   // stale indexes of a same-named old segment must not survive
  ::unlink(tidx.c_str());
  ::unlink(path_of(dir, base_offset, ".txnindex", suffix).c_str());
  if (s->txn_.open(path_of(dir, base_offset, ".txnindex", suffix)) != Errc::ok) return Errc::io_error;
  s->log_fd_ = FileHandle(::open(s->log_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!s->log_fd_.valid()) return Errc::io_error;
  size_t cap = static_cast<size_t>(std::max<int32_t>(opt.segment_index_bytes, 0));
  if (s->oidx_.open(idx, base_offset, cap) != Errc::ok) return Errc::io_error;
  if (s->tidx_.open(tidx, base_offset, cap) != Errc::ok) return Errc::io_error;
  *out = std::move(s);
  return Errc::ok;
}

Errc Segment::open(const std::string& dir, int64_t base_offset, const SegmentOptions& opt,
                   std::unique_ptr<Segment>* out) {
  std::unique_ptr<Segment> s(new Segment());
  s->dir_ = dir;
  s->base_ = base_offset;
  s->opt_ = opt;
  s->next_offset_ = base_offset;
  s->log_path_ = path_of(dir, base_offset, ".log", "");
  s->log_fd_ = FileHandle(::open(s->log_path_.c_str(), O_RDWR | O_CLOEXEC));
  if (!s->log_fd_.valid()) return Errc::io_error;
  struct stat st;
  if (::fstat(s->log_fd_.get(), &st) != 0) return Errc::io_error;
  s->size_ = static_cast<uint64_t>(st.st_size);
  s->created_ms_ = int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  if (s->oidx_.open(path_of(dir, base_offset, ".index", ""), base_offset, 0) != Errc::ok) return Errc::io_error;
  if (s->tidx_.open(path_of(dir, base_offset, ".timeindex", ""), base_offset, 0) != Errc::ok)
    return Errc::io_error;
  if (s->txn_.open(path_of(dir, base_offset, ".txnindex", "")) != Errc::ok) return Errc::io_error;
  s->sealed_ = true;
  *out = std::move(s);
  return Errc::ok;
}

Errc Segment::ensure_mapped(uint64_t bytes) const {
  if (bytes <= map_len_) return Errc::ok;
  if (map_) ::munmap(const_cast<uint8_t*>(map_), map_len_);
  map_ = nullptr;
  map_len_ = 0;
  uint64_t want = bytes;
  // The active segment reserves address space for its whole size up front so
  // appends rarely force a remap; pages are only touched when read.
  if (!sealed_) want = std::max<uint64_t>(want, std::min<uint64_t>(uint64_t(opt_.segment_bytes), 1ull << 31));
  long page = ::sysconf(_SC_PAGESIZE);
  want = (want + uint64_t(page) - 1) / uint64_t(page) * uint64_t(page);
  void* p = ::mmap(nullptr, want, PROT_READ, MAP_SHARED, log_fd_.get(), 0);
  if (p == MAP_FAILED) return Errc::io_error;
  map_ = static_cast<const uint8_t*>(p);
  map_len_ = want;
  return Errc::ok;
}

void Segment::unmap_pages(uint64_t from, uint64_t to) {
  if (!map_ || from >= to) return;
  to = std::min<uint64_t>(to, map_len_);
  if (from >= to) return;
  // A read-only shared file mapping: MADV_DONTNEED only drops our page
  // table entries; the next read faults the page in again from the file.
  ::madvise(const_cast<uint8_t*>(map_) + from, to - from, MADV_DONTNEED);
}

const uint8_t* Segment::data_at(uint64_t pos) const {
  if (tail_ && pos >= tail_->start()) {
    uint64_t end;
    return tail_->at(pos, &end, nullptr);
  }
  if (ensure_mapped(size_) != Errc::ok) return nullptr;
  return map_ + pos;
}

const uint8_t* Segment::tail_at(uint64_t position, uint64_t* contiguous_end,
                                std::shared_ptr<const void>* pin) const {
  if (!tail_) return nullptr;
  return tail_->at(position, contiguous_end, pin);
}

Errc Segment::enable_tail() {
  if (tail_) return Errc::ok;
  return SegmentTail::open(log_path_, log_fd_.get(), size_, &tail_);
}

Errc Segment::drop_tail_if_written() {
  if (!tail_ || !sealed_ || tail_->pending()) return Errc::ok;
  // Gives back the blocks the tail preallocated past the end (the length
  // already is size_).
  if (::ftruncate(log_fd_.get(), static_cast<off_t>(size_)) != 0) return Errc::io_error;
  tail_.reset();
  return Errc::ok;
}

bool Segment::batch_at(uint64_t pos, StoredBatch* out) const {
  if (pos + protocol::kBatchHeaderSize > size_) return false;
  const uint8_t* p = data_at(pos);
  if (!p) return false;
  RecordBatchView v(const_cast<uint8_t*>(p), size_ - pos);
  int32_t len = v.batch_length();
  if (len < 0 || uint64_t(len) < kMinBatchLength || pos + protocol::kLogOverhead + uint64_t(len) > size_)
    return false;
  out->position = pos;
  out->size = static_cast<uint32_t>(protocol::kLogOverhead + uint64_t(len));
  out->base_offset = v.base_offset();
  out->last_offset = v.last_offset();
  out->max_timestamp = v.max_timestamp();
  return true;
}

void Segment::note_batch(const StoredBatch& b, bool index_it) {
  if (b.max_timestamp > max_ts_) {
    max_ts_ = b.max_timestamp;
    offset_of_max_ts_ = b.last_offset;
  }
  if (index_it && bytes_since_index_ > uint64_t(std::max(opt_.index_interval_bytes, 0))) {
    oidx_.append(b.last_offset, static_cast<uint32_t>(b.position));
    if (!tidx_.full()) tidx_.maybe_append(max_ts_, offset_of_max_ts_);
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += b.size;
  next_offset_ = b.last_offset + 1;
}

bool Segment::load() {
  if (!oidx_.sane(size_)) return false;
  // A missing/empty index on a big segment means it was lost (e.g. a crash
  // during a compaction swap): rebuild rather than scan linearly forever.
  if (oidx_.entries() == 0 && size_ > 2 * uint64_t(std::max(opt_.index_interval_bytes, 1))) return false;
  uint64_t pos = oidx_.entries() ? oidx_.entry(oidx_.entries() - 1).position : 0;
  auto last_t = tidx_.last();
  if (tidx_.entries()) {
    max_ts_ = last_t.timestamp;
    offset_of_max_ts_ = last_t.offset;
  }
  next_offset_ = base_;
  if (pos > 0) {
    StoredBatch b;
    if (!batch_at(pos, &b)) return false;
  }
  StoredBatch b;
  bytes_since_index_ = 0;
  while (pos < size_) {
    if (!batch_at(pos, &b) || b.base_offset < base_) return false;
    note_batch(b, false);
    pos += b.size;
  }
  if (pos != size_) return false;
  if (!tidx_.sane(next_offset_)) return false;
  return true;
}

Errc Segment::recover(int64_t min_offset, bool allow_gaps, uint64_t* dropped_bytes, int64_t* bad_offset) {
  *dropped_bytes = 0;
  *bad_offset = -1;
  size_t cap = static_cast<size_t>(std::max<int32_t>(opt_.segment_index_bytes, 0));
  if (oidx_.file().resize(cap) != Errc::ok || tidx_.file().resize(cap) != Errc::ok) return Errc::io_error;
  sealed_ = false;  // indexes are full-size again; the owner seals or keeps it active
  oidx_.file().truncate_entries(0);
  tidx_.file().truncate_entries(0);
  max_ts_ = -1;
  offset_of_max_ts_ = -1;
  bytes_since_index_ = 0;
  next_offset_ = base_;
  if (size_ > 0 && ensure_mapped(size_) != Errc::ok) return Errc::io_error;
  uint64_t pos = 0;
  int64_t expected = std::max(min_offset, base_);
  bool first = true;
  while (pos < size_) {
    RecordBatchView v;
    auto err = RecordBatchView::parse(const_cast<uint8_t*>(map_ + pos), size_ - pos, &v);
    bool ok = err == protocol::BatchError::ok && v.crc_valid() && v.last_offset_delta() >= 0;
    if (ok) {
      int64_t base = v.base_offset();
      if (allow_gaps || first) ok = base >= expected;
      else ok = base == expected;
      ok = ok && base - base_ <= INT32_MAX && v.last_offset() - base_ <= INT32_MAX;
    }
    if (!ok) {
      *bad_offset = expected;
      break;
    }
    StoredBatch b{pos, static_cast<uint32_t>(v.total_size()), v.base_offset(), v.last_offset(), v.max_timestamp()};
    note_batch(b, true);
    expected = b.last_offset + 1;
    first = false;
    pos += b.size;
  }
  struct stat st;
  // Blocks an active segment's tail preallocated past its end (SegmentTail)
  // go too: a crash left them, and a cut gives them back anyway. (The
  // slack: a fragmented file's extent tree blocks count as well.)
  const bool preallocated = ::fstat(log_fd_.get(), &st) == 0 &&
                            uint64_t(st.st_blocks) * 512 > (size_ + 4095) / 4096 * 4096 + (64 << 10);
  if (pos < size_ || preallocated) {
    *dropped_bytes = size_ - pos;
    if (::ftruncate(log_fd_.get(), static_cast<off_t>(pos)) != 0) return Errc::io_error;
    size_ = pos;
    if (::fdatasync(log_fd_.get()) != 0) return Errc::io_error;
  }
  return Errc::ok;
}

namespace {
std::atomic<uint64_t> g_kept{0}, g_copied{0};
}  // namespace

Segment::ReceivedBatches Segment::received_batches() {
  return {g_kept.load(std::memory_order_relaxed), g_copied.load(std::memory_order_relaxed)};
}

Errc Segment::append(const RecordBatchView& batch, int64_t now_ms, std::shared_ptr<const void> owner) {
  uint64_t pos = size_;
  uint32_t n = static_cast<uint32_t>(batch.total_size());
  if (pos + n > uint64_t(INT32_MAX)) return Errc::record_list_too_large;
  const bool placed = owner != nullptr;
  if (tail_ && placed && tail_->adopt(batch.data(), n, pos, std::move(owner))) {
    g_kept.fetch_add(1, std::memory_order_relaxed);
  } else if (tail_) {
    if (placed) g_copied.fetch_add(1, std::memory_order_relaxed);
    Errc e = tail_->append(batch.data(), n, pos);
    if (e != Errc::ok) return e;
  } else if (!pwrite_all(log_fd_.get(), batch.data(), n, pos)) {
    Errc e = errno == ENOSPC ? Errc::not_enough_space : Errc::io_error;
    if (::ftruncate(log_fd_.get(), static_cast<off_t>(pos)) != 0) return Errc::io_error;
    return e;
  }
  if (size_ == 0) created_ms_ = now_ms;
  size_ += n;
  note_batch({pos, n, batch.base_offset(), batch.last_offset(), batch.max_timestamp()}, true);
  return Errc::ok;
}

bool Segment::should_roll(uint32_t bytes, int64_t last_offset, int64_t now_ms, int64_t segment_bytes,
                          int64_t segment_ms) const {
  if (size_ == 0) return false;
  return int64_t(size_) + int64_t(bytes) > segment_bytes || now_ms - created_ms_ >= segment_ms ||
         oidx_.full() || tidx_.full() || last_offset - base_ > INT32_MAX;
}

bool Segment::resident(uint64_t from, uint64_t to) const {
  if (tail_) to = std::min(to, tail_->start());  // tail bytes are memory
  if (from >= to) return true;
  if (ensure_mapped(size_) != Errc::ok) return false;
  const uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
  uint64_t first = from / page * page;
  unsigned char vec[256];
  while (first < to) {
    const uint64_t pages = std::min<uint64_t>((to - first + page - 1) / page, sizeof vec);
    if (::mincore(const_cast<uint8_t*>(map_) + first, pages * page, vec) != 0) return false;
    for (uint64_t i = 0; i < pages; ++i)
      if (!(vec[i] & 1)) return false;
    first += pages * page;
  }
  return true;
}

bool Segment::header_at(uint64_t pos, StoredBatch* out, uint64_t* miss) const {
  if (miss && !resident(pos, std::min<uint64_t>(pos + protocol::kBatchHeaderSize, size_))) {
    *miss = pos;
    return false;
  }
  return batch_at(pos, out);
}

bool Segment::find_batch(int64_t offset, StoredBatch* out, uint64_t* miss) const {
  uint64_t pos = oidx_.lookup(offset).position;
  while (pos < size_) {
    if (!header_at(pos, out, miss)) return false;
    if (out->last_offset >= offset) return true;
    pos += out->size;
  }
  return false;
}

uint64_t Segment::end_of_batches(uint64_t from, uint64_t max_end, int64_t upto, uint64_t* miss) const {
  uint64_t pos = from;
  auto jump = oidx_.lookup_position(max_end);
  if (jump.position > from && jump.offset < upto) pos = jump.position;
  StoredBatch b;
  while (pos < size_ && header_at(pos, &b, miss) && pos + b.size <= max_end && b.base_offset < upto) pos += b.size;
  return pos;
}

bool Segment::find_by_timestamp(int64_t ts, int64_t min_offset, StoredBatch* out, uint64_t* miss) const {
  int64_t hint = std::max(tidx_.lookup(ts).offset, min_offset);
  uint64_t pos = oidx_.lookup(hint).position;
  while (pos < size_) {
    if (!header_at(pos, out, miss)) return false;
    if (out->max_timestamp >= ts && out->last_offset >= min_offset) return true;
    pos += out->size;
  }
  return false;
}

Errc Segment::truncate_to(int64_t offset) {
  StoredBatch b;
  if (!find_batch(offset, &b)) return Errc::ok;  // nothing at or after offset here
  uint64_t cut = b.position;
  if (tail_) {
    // The file may still be shorter than `cut` (bytes only in the tail).
    struct stat st;
    if (::fstat(log_fd_.get(), &st) != 0) return Errc::io_error;
    if (uint64_t(st.st_size) > cut && ::ftruncate(log_fd_.get(), static_cast<off_t>(cut)) != 0)
      return Errc::io_error;
    if (tail_->truncate(cut) != Errc::ok) return Errc::io_error;
  } else if (::ftruncate(log_fd_.get(), static_cast<off_t>(cut)) != 0) {
    return Errc::io_error;
  }
  size_ = cut;
  oidx_.truncate_to_offset(b.base_offset);
  tidx_.truncate_to_offset(b.base_offset);
  if (txn_.truncate_to(b.base_offset) != Errc::ok) return Errc::io_error;
  // Recompute the tail state from the last surviving index entry.
  next_offset_ = base_;
  max_ts_ = -1;
  offset_of_max_ts_ = -1;
  if (tidx_.entries()) {
    max_ts_ = tidx_.last().timestamp;
    offset_of_max_ts_ = tidx_.last().offset;
  }
  uint64_t pos = oidx_.entries() ? oidx_.entry(oidx_.entries() - 1).position : 0;
  bytes_since_index_ = 0;
  StoredBatch t;
  while (pos < size_ && batch_at(pos, &t)) {
    note_batch(t, false);
    pos += t.size;
  }
  return Errc::ok;
}

Errc Segment::seal() {
  if (sealed_) return Errc::ok;
  if (max_ts_ >= 0) tidx_.maybe_append(max_ts_, offset_of_max_ts_);
  if (oidx_.file().trim() != Errc::ok || tidx_.file().trim() != Errc::ok) return Errc::io_error;
  sealed_ = true;
  return Errc::ok;
}

Errc Segment::unseal() {
  size_t cap = static_cast<size_t>(std::max<int32_t>(opt_.segment_index_bytes, 0));
  if (oidx_.file().resize(cap) != Errc::ok || tidx_.file().resize(cap) != Errc::ok) return Errc::io_error;
  sealed_ = false;
  bytes_since_index_ = 0;
  return Errc::ok;
}

Errc Segment::sync_log() {
  if (txn_.sync() != Errc::ok) return Errc::io_error;
  return ::fdatasync(log_fd_.get()) == 0 ? Errc::ok : Errc::io_error;
}

Errc Segment::sync_indexes() {
  if (oidx_.file().sync() != Errc::ok || tidx_.file().sync() != Errc::ok) return Errc::io_error;
  return Errc::ok;
}

Errc Segment::rename_final(const std::string& suffix) {
  for (const char* ext : {".index", ".timeindex", ".log"}) {
    std::string from = path_of(dir_, base_, ext, suffix);
    std::string to = path_of(dir_, base_, ext, "");
    if (::rename(from.c_str(), to.c_str()) != 0) return Errc::io_error;
  }
  if (txn_.rename(path_of(dir_, base_, ".txnindex", "")) != Errc::ok) return Errc::io_error;
  log_path_ = path_of(dir_, base_, ".log", "");
  suffix_.clear();
  return fsync_dir(dir_) ? Errc::ok : Errc::io_error;
}

void Segment::remove_files() {
  for (const char* ext : {".log", ".index", ".timeindex"}) {
    std::string p = path_of(dir_, base_, ext, suffix_);
    ::unlink(p.c_str());
  }
  txn_.remove();
}

int64_t Segment::largest_timestamp_or_mtime() const {
  if (max_ts_ > 0) return max_ts_;
  struct stat st;
  if (::fstat(log_fd_.get(), &st) != 0) return 0;
  return int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace fjord::storage
