#pragma once
// The newest bytes of a segment, held in memory and written to the .log with
// O_DIRECT. Why: a buffered append costs a page-cache copy, ext4's per-page
// work and later eviction (about 0.30 CPU-s per GB here, against 0.10 for a
// memcpy into these buffers plus a direct write; docs/storage.md). Readers
// are served from the chunks while the bytes are not on disk, and from the
// file below start().
//
// Layout: chunks of block-aligned memory, each mirroring a block-aligned file
// range. A batch never spans two chunks: a new chunk starts at the block
// holding the batch's first byte and copies that block's earlier bytes, so
// any batch starting at or above a chunk's file_start lies wholly inside the
// last such chunk. Direct writes cover whole blocks; the last partial block
// goes out zero-padded and is written again once it grows, so the file may
// end in padding until the segment is finalised (recovery cuts it as a torn
// tail after a crash).
//
// Not thread-safe. The owner calls append/at/plan_write/finish_write/
// truncate under its partition lock and execute() outside it, with at most
// one plan in flight (PartitionLog's write mutex).
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "storage/batch_arena.h"
#include "storage/errc.h"
#include "storage/file_ops.h"

namespace fjord::storage {

struct TailChunk {
  TailChunk(uint64_t file_start, size_t capacity, uint8_t* data);
  // Memory kept alive by `owner` (an adopted slot, or a chunk cut from the
  // tail's own arena block), not freed here.
  TailChunk(uint64_t file_start, size_t capacity, uint8_t* data, std::shared_ptr<const void> owner);
  ~TailChunk();
  TailChunk(const TailChunk&) = delete;
  TailChunk& operator=(const TailChunk&) = delete;
  static std::shared_ptr<TailChunk> allocate(uint64_t file_start, size_t capacity);

  const uint64_t file_start;  // block-aligned file position of data[0]
  const size_t capacity;
  uint8_t* const data;
  uint64_t end;               // file position one past the last valid byte
  const std::shared_ptr<const void> owner;  // set for arena memory (adopted or cut)
};

// One write of what is not on disk yet: planned under the partition lock,
// executed outside it. Pins the chunks it points into.
struct TailWrite {
  uint64_t file_pos = 0;      // where iov[0] goes
  uint64_t end = 0;           // logical bytes on disk once it succeeds
  std::vector<iovec> iov;
  std::vector<std::shared_ptr<TailChunk>> pins;
  bool empty() const { return iov.empty(); }
};

class SegmentTail {
 public:
  static constexpr uint64_t kBlock = 4096;
  static constexpr size_t kMinChunk = 64 << 10;
  static constexpr size_t kMaxChunk = 2 << 20;  // = ChunkPool::kBlockBytes
  // Written chunks kept behind the current one, while the process's chunks
  // stay within budget.
  static constexpr uint64_t kKeepBehind = 16 << 20;
  // Direct writes never extend the file: its length is raised ahead of them
  // in these steps. An extending direct write costs ext4 an orphan-list
  // update in the journal (a filesystem-wide lock) per write.
  static constexpr uint64_t kGrowStep = 8 << 20;

  // `fd`: the segment's own read-write fd (not owned; reads the last partial
  // block, and is the fallback writer where O_DIRECT is refused, e.g. tmpfs).
  // `size`: bytes already in the file, all on disk.
  // `try_direct` false: always the plain-pwrite fallback (tests).
  static Errc open(const std::string& path, int fd, uint64_t size, std::unique_ptr<SegmentTail>* out,
                   bool try_direct = true);
  ~SegmentTail();

  // Copies n bytes to file position `pos`, which must be end().
  Errc append(const uint8_t* data, uint32_t n, uint64_t pos);
  // Like append, but keeps the memory instead of copying it: `owner` keeps
  // alive the block-aligned slot around [data, data + n) that belongs to
  // these bytes alone (an ArenaBatch), and data must sit at pos's offset
  // within a block. False, with nothing done, where that does not hold.
  bool adopt(uint8_t* data, uint32_t n, uint64_t pos, std::shared_ptr<const void> owner);
  // Memory holding file position `pos` (>= start(), < end()): *contiguous_end
  // gets the end of the bytes readable from there, *pin keeps them alive.
  const uint8_t* at(uint64_t pos, uint64_t* contiguous_end, std::shared_ptr<const void>* pin) const;

  // Everything below start() is on disk, and so is every batch starting below it.
  uint64_t start() const { return chunks_.front()->file_start; }
  uint64_t end() const { return chunks_.back()->end; }
  uint64_t on_disk() const { return disk_end_; }
  bool pending() const { return disk_end_ < end(); }
  bool direct() const { return direct_.valid(); }

  void plan_write(TailWrite* w);
  // The write itself (pwritev; consumes w.iov); false on error (errno kept).
  // = prepare() and then a write of w.iov to write_fd() at w.file_pos.
  bool execute(TailWrite& w);
  // Raises the file's length ahead of w (a direct write never extends the
  // file); false on error (errno kept).
  bool prepare(const TailWrite& w);
  int write_fd() const { return direct() ? direct_.get() : fd_; }
  // Records a done write and frees chunks wholly on disk, keeping up to
  // kKeepBehind behind the current chunk for readers a little behind the end.
  void finish_write(const TailWrite& w, bool ok);
  // Frees every written chunk behind the current one if nothing was appended
  // since the previous call: a quiet partition keeps no window (nor, once it
  // is on disk, an adopted current chunk).
  void release_if_idle();
  // Forgets everything at or after `pos` (the caller truncates the file).
  Errc truncate(uint64_t pos);

  // Chunk memory held by all tails of the process (tests, budget).
  static uint64_t total_bytes();
  // Whether that is above the budget; memory the tails may adopt (arena
  // blocks) is charged to it by its owner.
  static bool over_budget();
  static void charge(int64_t bytes);
  // Process-wide: above this much chunk memory, tails keep nothing behind
  // their current chunk and stop growing chunks (also the ChunkPool's limit).
  static void set_budget(uint64_t bytes);
  static constexpr uint64_t kDefaultBudget = 512ull << 20;

 private:
  SegmentTail(int fd, FileHandle direct) : fd_(fd), direct_(std::move(direct)) {}
  std::shared_ptr<TailChunk> new_chunk(uint64_t file_start, size_t min_capacity);
  // Chunk owning file position pos: the last one starting at or below it.
  size_t owner_of(uint64_t pos) const;
  Errc load_partial_block(uint64_t size);
  void free_written_behind(uint64_t keep_behind);

  const int fd_;
  FileHandle direct_;
  std::deque<std::shared_ptr<TailChunk>> chunks_;
  uint64_t disk_end_ = 0;
  uint64_t file_size_ = 0;  // the file's length as we last set it (direct writes stay below it)
  size_t next_capacity_ = kMinChunk;
  bool appended_ = false;  // since the last release_if_idle()
  std::shared_ptr<TailChunk> scratch_;  // the zero-padded last block of a direct write
  // Chunks are cut from pooled 2 MiB blocks (huge pages, kept warm for
  // reuse), several small ones to a block: with aligned_alloc every small
  // chunk was new memory, faulted in 4 KiB at a time by the appending
  // network thread (docs/performance.md, "Tail chunks from pooled blocks").
  BatchArena chunk_arena_;
};

}  // namespace fjord::storage
