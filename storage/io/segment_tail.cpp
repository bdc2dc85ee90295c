#include "storage/io/segment_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "storage/io/chunk_pool.h"

namespace fjord::storage {

namespace {
std::atomic<uint64_t> g_tail_bytes{0};
// Above this much chunk memory in the process, tails stop growing chunks and
// keep no chunk behind the current one (1000 partitions must not each hold
// megabytes).
std::atomic<uint64_t> g_budget{SegmentTail::kDefaultBudget};
bool over_budget() { return g_tail_bytes.load(std::memory_order_relaxed) > g_budget.load(std::memory_order_relaxed); }

uint64_t align_down(uint64_t v) { return v / SegmentTail::kBlock * SegmentTail::kBlock; }
uint64_t align_up(uint64_t v) { return align_down(v + SegmentTail::kBlock - 1); }
}  // namespace

TailChunk::TailChunk(uint64_t fs, size_t cap, uint8_t* d) : file_start(fs), capacity(cap), data(d), end(fs) {
  g_tail_bytes.fetch_add(cap, std::memory_order_relaxed);
}

// Adopted memory is counted by the arena block it is in (charge()).
TailChunk::TailChunk(uint64_t fs, size_t cap, uint8_t* d, std::shared_ptr<const void> o)
    : file_start(fs), capacity(cap), data(d), end(fs), owner(std::move(o)) {}

TailChunk::~TailChunk() {
  if (owner) return;
  g_tail_bytes.fetch_sub(capacity, std::memory_order_relaxed);
  if (capacity == ChunkPool::kBlockBytes) ChunkPool::instance().give(data);
  else std::free(data);
}

std::shared_ptr<TailChunk> TailChunk::allocate(uint64_t file_start, size_t capacity) {
  void* p = capacity == ChunkPool::kBlockBytes ? ChunkPool::instance().take()
                                               : std::aligned_alloc(SegmentTail::kBlock, capacity);
  if (!p) return nullptr;
  return std::make_shared<TailChunk>(file_start, capacity, static_cast<uint8_t*>(p));
}

uint64_t SegmentTail::total_bytes() { return g_tail_bytes.load(std::memory_order_relaxed); }

bool SegmentTail::over_budget() { return fjord::storage::over_budget(); }

void SegmentTail::charge(int64_t bytes) { g_tail_bytes.fetch_add(uint64_t(bytes), std::memory_order_relaxed); }

void SegmentTail::set_budget(uint64_t bytes) {
  g_budget.store(bytes, std::memory_order_relaxed);
  ChunkPool::instance().set_max_bytes(bytes);
}

SegmentTail::~SegmentTail() = default;

Errc SegmentTail::open(const std::string& path, int fd, uint64_t size, std::unique_ptr<SegmentTail>* out,
                       bool try_direct) {
  // EINVAL: the filesystem has no O_DIRECT (tmpfs before Linux 6.6, some
  // network filesystems); the same chunks are then written with plain pwrite.
  FileHandle direct;
  if (try_direct) {
    direct = FileHandle(::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC));
    if (!direct.valid() && errno != EINVAL) return Errc::io_error;
  }
  std::unique_ptr<SegmentTail> t(new SegmentTail(fd, std::move(direct)));
  Errc e = t->load_partial_block(size);
  if (e != Errc::ok) return e;
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errc::io_error;
  t->file_size_ = t->length_set_ = t->allocated_ = uint64_t(st.st_size);
  *out = std::move(t);
  return Errc::ok;
}

Errc SegmentTail::load_partial_block(uint64_t size) {
  chunks_.clear();
  const uint64_t fs = align_down(size);
  auto c = new_chunk(fs, size - fs);
  if (!c) return Errc::io_error;
  if (size > fs && !pread_all(fd_, c->data, size - fs, fs)) return Errc::io_error;
  c->end = size;
  chunks_.push_back(std::move(c));
  disk_end_ = submitted_ = size;
  return Errc::ok;
}

std::shared_ptr<TailChunk> SegmentTail::new_chunk(uint64_t file_start, size_t min_capacity) {
  const bool tight = over_budget();
  size_t cap = tight ? kMinChunk : next_capacity_;
  cap = std::max<size_t>(cap, align_up(min_capacity + 1));
  if (tight) return TailChunk::allocate(file_start, cap);
  const bool first = chunks_.empty();
  next_capacity_ = std::min(next_capacity_ * 2, kMaxChunk);
  // A segment's first chunk is allocated on its own: cut from the arena it
  // would hold a whole 2 MiB block, and most partitions of an idle broker
  // (the coordinators' 100) never see an append.
  if (first) return TailChunk::allocate(file_start, cap);
  ArenaBatch cut = chunk_arena_.allocate(0, uint32_t(cap));
  if (cut.data) return std::make_shared<TailChunk>(file_start, cap, cut.data, std::move(cut.owner));
  return TailChunk::allocate(file_start, cap);  // more than a block, or no block to be had
}

Errc SegmentTail::append(const uint8_t* data, uint32_t n, uint64_t pos) {
  TailChunk* cur = chunks_.back().get();
  if (pos != cur->end) return Errc::io_error;  // programming error: appends are contiguous
  if (pos + n > cur->file_start + cur->capacity) {
    // Start a chunk at the block holding `pos`, carrying that block's earlier bytes.
    const uint64_t fs = align_down(pos);
    auto c = new_chunk(fs, pos - fs + n);
    if (!c) return Errc::not_enough_space;
    std::memcpy(c->data, cur->data + (fs - cur->file_start), pos - fs);
    c->end = pos;
    chunks_.push_back(std::move(c));
    cur = chunks_.back().get();
  }
  std::memcpy(cur->data + (pos - cur->file_start), data, n);
  cur->end = pos + n;
  appended_ = true;
  return Errc::ok;
}

bool SegmentTail::adopt(uint8_t* data, uint32_t n, uint64_t pos, std::shared_ptr<const void> owner) {
  const uint64_t residue = pos % kBlock;
  if (!owner || pos != end() || reinterpret_cast<uintptr_t>(data) % kBlock != residue) return false;
  // The slot starts at the block holding `pos` and carries that block's
  // earlier bytes, as a chunk from append() would.
  uint8_t* slot = data - residue;
  const uint64_t fs = pos - residue;
  auto c = std::make_shared<TailChunk>(fs, align_up(residue + n), slot, std::move(owner));
  TailChunk* cur = chunks_.back().get();
  std::memcpy(slot, cur->data + (fs - cur->file_start), residue);
  c->end = pos + n;
  // An empty chunk at the same place (a fresh segment's) would only be skipped.
  if (cur->end == cur->file_start && cur->file_start == fs) chunks_.pop_back();
  chunks_.push_back(std::move(c));
  appended_ = true;
  next_capacity_ = kMinChunk;  // a batch copied after this one starts a small chunk, not a big one
  return true;
}

size_t SegmentTail::owner_of(uint64_t pos) const {
  size_t i = chunks_.size() - 1;
  while (i > 0 && chunks_[i]->file_start > pos) --i;
  return i;
}

const uint8_t* SegmentTail::at(uint64_t pos, uint64_t* contiguous_end, std::shared_ptr<const void>* pin) const {
  if (pos < start() || pos >= end()) return nullptr;
  const auto& c = chunks_[owner_of(pos)];
  *contiguous_end = c->end;
  if (pin) *pin = c;
  return c->data + (pos - c->file_start);
}

void SegmentTail::plan_write(TailWrite* w, bool through_cache) {
  w->iov.clear();
  w->pins.clear();
  w->buffered_count = 0;
  const uint64_t end = this->end();
  w->end = end;
  const uint64_t from = submitted_;
  if (from >= end) return;
  const bool dio = direct() && !through_cache;
  w->through_cache = direct() && through_cache;
  // Without O_DIRECT everything goes through the page cache in one pwritev.
  // With it, whole blocks go directly, and the rest of the block `from` is
  // in and the block `end` is in through the page cache.
  const uint64_t body_from = !dio ? from : std::min(end, align_up(from));
  const uint64_t body_to = dio ? std::max(body_from, align_down(end)) : end;
  auto buffered = [&](uint64_t a, uint64_t b) {
    // The last chunk starting at or below the block holds all of its bytes.
    const auto& c = chunks_[owner_of(a)];
    w->buffered[w->buffered_count++] = {c->data + (a - c->file_start), b - a, a};
    w->pins.push_back(c);
  };
  if (body_from > from) buffered(from, body_from);
  w->file_pos = body_from;
  for (size_t i = owner_of(body_from); i < chunks_.size() && body_from < body_to; ++i) {
    const auto& c = chunks_[i];
    const uint64_t own_end = i + 1 < chunks_.size() ? chunks_[i + 1]->file_start : c->end;
    const uint64_t a = std::max(body_from, c->file_start), b = std::min(body_to, own_end);
    if (a >= b) continue;
    w->iov.push_back({c->data + (a - c->file_start), b - a});
    w->pins.push_back(c);
  }
  if (end > body_to) buffered(body_to, end);
}

bool SegmentTail::execute(TailWrite& w) {
  if (w.empty()) return true;
  return prepare(w) && write_buffered(w) && (w.iov.empty() || pwritev_all(write_fd(), w.iov, w.file_pos));
}

bool SegmentTail::prepare(const TailWrite& w) {
  if (!direct() || w.through_cache || w.iov.empty()) return true;  // a page-cache write extends the file itself
  if (w.end > allocated_) {
    // Failure only costs the allocation in the write itself (EOPNOTSUPP:
    // the filesystem has no fallocate; ENOSPC: the write will tell).
    const uint64_t to = align_up(w.end) + kPreallocateStep;
    ::fallocate(fd_, FALLOC_FL_KEEP_SIZE, off_t(allocated_), off_t(to - allocated_));
    allocated_ = to;
  }
  uint64_t direct_end = w.file_pos;
  for (const auto& v : w.iov) direct_end += v.iov_len;
  // Only growing: a later write already past w.end (out of plan order, tests
  // only) leaves this one extending, which is slow but right.
  if (direct_end > length_set_ && w.end > file_size_) {
    if (::ftruncate(fd_, off_t(w.end)) != 0) return false;
    length_set_ = file_size_ = w.end;
  }
  return true;
}

bool SegmentTail::write_buffered(TailWrite& w) {
  for (int i = 0; i < w.buffered_count; ++i) {
    const auto& b = w.buffered[i];
    if (!pwrite_all(fd_, b.data, b.len, b.pos)) return false;
    file_size_ = std::max(file_size_, b.pos + b.len);
  }
  if (w.through_cache && !w.iov.empty()) {
    if (!pwritev_all(fd_, w.iov, w.file_pos)) return false;
    w.iov.clear();  // nothing left for the AioWriter
    file_size_ = std::max(file_size_, w.end);
  }
  return true;
}

void SegmentTail::mark_submitted(const TailWrite& w) { submitted_ = std::max(submitted_, std::min(w.end, end())); }

void SegmentTail::finish_write(const TailWrite& w, bool ok) {
  if (!ok) return;
  mark_submitted(w);
  disk_end_ = std::max(disk_end_, std::min(w.end, end()));
  // Consumers a little behind the end read from memory: the file's pages
  // are not cached, so a read below start() waits for the disk.
  free_written_behind(over_budget() ? 0 : kKeepBehind);
}

void SegmentTail::release_if_idle() {
  if (!appended_) {
    free_written_behind(0);
    // The block chunks are cut from goes back to the pool once its chunks
    // are gone; a quiet partition holds no 2 MiB block.
    chunk_arena_ = BatchArena();
    // An adopted or cut chunk holds its whole arena block: once it is on
    // disk, keep only a copy of the last partial block, which the next
    // append needs.
    if (chunks_.back()->owner && disk_end_ >= end()) {
      const uint64_t e = end(), fs = align_down(e);
      const TailChunk& last = *chunks_.back();
      auto c = TailChunk::allocate(fs, kMinChunk);
      if (c) {
        std::memcpy(c->data, last.data + (fs - last.file_start), e - fs);
        c->end = e;
        chunks_.clear();
        chunks_.push_back(std::move(c));
      }
    }
  }
  appended_ = false;
}

void SegmentTail::free_written_behind(uint64_t keep_behind) {
  // Chunk 0 may go once its last batch is on disk: a batch starting below
  // start() is then read from the file, whole.
  uint64_t behind = 0;
  for (size_t i = 0; i + 1 < chunks_.size(); ++i) behind += chunks_[i]->capacity;
  while (chunks_.size() > 1 && chunks_[0]->end <= disk_end_ && behind > keep_behind) {
    behind -= chunks_[0]->capacity;
    chunks_.pop_front();
  }
}

Errc SegmentTail::truncate(uint64_t pos) {
  // The owner cut the file there, which also gave back the blocks past it.
  file_size_ = std::min(file_size_, pos);
  length_set_ = std::min(length_set_, pos);
  allocated_ = std::min(allocated_, pos);
  if (pos < start()) return load_partial_block(pos);  // everything below start() is on disk
  while (chunks_.size() > 1 && chunks_.back()->file_start > pos) chunks_.pop_back();
  // Earlier chunks too: one may own bytes up to a later chunk's first batch.
  for (auto& c : chunks_) c->end = std::min(c->end, pos);
  disk_end_ = std::min(disk_end_, pos);
  submitted_ = std::min(submitted_, pos);
  return Errc::ok;
}

}  // namespace fjord::storage
