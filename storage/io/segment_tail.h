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
// last such chunk. Writes send whole blocks with O_DIRECT; the blocks a write
// covers in part, where it starts and where it ends, go through the page
// cache. Each block is then written one way only, so writes can be in flight
// together: none overlaps another, and no direct write meets a cached page of
// its own block. (In durable mode the fdatasync then writes those pages; a
// direct write of a zero-padded last block spared it that, but left the file
// longer than its bytes, see below.)
//
// The file ends where its bytes end (Kafka's tools read the active segment
// while the broker runs): blocks are preallocated past the end without
// changing the length (FALLOC_FL_KEEP_SIZE), and a write with a direct part
// first raises the length to its own end with ftruncate. A direct write
// ending above the length would be an extending one, which ext4 makes
// synchronous (and journals an orphan-list update for). While a write is in
// flight its range may still read as zeros; recovery cuts them after a crash
// as a torn tail.
//
// Not thread-safe. The owner calls append/at/plan_write/mark_submitted/
// finish_write/truncate under its partition lock and prepare/write_buffered/
// execute outside it, planning one write at a time (WritePipeline's write
// mutex); several planned writes may be in flight, finished in plan order.
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "storage/io/batch_arena.h"
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

// One write of what is not in the file yet: planned under the partition lock,
// executed outside it. Pins the chunks it points into.
struct TailWrite {
  struct Buffered {
    const uint8_t* data;
    uint64_t len;
    uint64_t pos;
  };
  uint64_t file_pos = 0;      // where iov[0] goes
  uint64_t end = 0;           // logical bytes in the file once it succeeds
  std::vector<iovec> iov;     // whole blocks (O_DIRECT), or everything without O_DIRECT or through_cache
  bool through_cache = false;  // iov goes through the page cache too, synchronously (write_buffered)
  Buffered buffered[2] = {};  // blocks covered in part, through the page cache
  int buffered_count = 0;
  std::vector<std::shared_ptr<TailChunk>> pins;
  bool empty() const { return iov.empty() && buffered_count == 0; }
};

class SegmentTail {
 public:
  static constexpr uint64_t kBlock = 4096;
  static constexpr size_t kMinChunk = 64 << 10;
  static constexpr size_t kMaxChunk = 2 << 20;  // = ChunkPool::kBlockBytes
  // Written chunks kept behind the current one, while the process's chunks
  // stay within budget.
  static constexpr uint64_t kKeepBehind = 16 << 20;
  // Blocks preallocated past a direct write's end, so that direct writes
  // need no block allocation and stay contiguous on disk (small ones
  // otherwise share ext4's per-CPU preallocations with other files). Given
  // back when the segment is finalised; 1000 busy partitions hold 1 GiB.
  static constexpr uint64_t kPreallocateStep = 1 << 20;

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
  // Bytes not in the file yet (written or in flight).
  bool pending() const { return disk_end_ < end(); }
  // Bytes no write has been planned for yet.
  bool unsubmitted() const { return submitted_ < end(); }
  bool direct() const { return direct_.valid(); }

  // Plans writing what no earlier plan covers, up to end(). `through_cache`:
  // all of it through the page cache, for a write an fdatasync follows at once.
  void plan_write(TailWrite* w, bool through_cache = false);
  // Bytes no write has been planned for yet.
  uint64_t unsubmitted_bytes() const { return end() - std::min(submitted_, end()); }
  // The whole write, synchronously (tests; WritePipeline hands w.iov to the
  // AioWriter instead): prepare(), write_buffered(), then the pwritev of
  // w.iov to write_fd() at w.file_pos (consumes w.iov); false on error
  // (errno kept).
  bool execute(TailWrite& w);
  // Preallocates blocks and raises the file's length to w's end when w has
  // a direct part (which then never extends the file); false on error
  // (errno kept). Calls for several writes come in plan order.
  bool prepare(const TailWrite& w);
  // w's page-cache part (plain pwrite, which extends the file itself);
  // false on error (errno kept).
  bool write_buffered(TailWrite& w);
  int write_fd() const { return direct() ? direct_.get() : fd_; }
  // w was handed to the kernel: the next plan starts after it.
  void mark_submitted(const TailWrite& w);
  // Records a done write (marking it submitted too) and frees chunks wholly
  // in the file, keeping up to kKeepBehind behind the current chunk for
  // readers a little behind the end. Writes finish in the order planned.
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
  uint64_t disk_end_ = 0;   // written: below it, the file holds the bytes
  uint64_t submitted_ = 0;  // planned: writes up to it are done or in flight
  uint64_t file_size_ = 0;    // the file's length, as ftruncate or a page-cache write left it
  // The length the last ftruncate set. ext4's on-disk size (i_disksize) is at
  // least this; a page-cache write raises only the in-memory one, and a direct
  // write ending above either counts as extending.
  uint64_t length_set_ = 0;
  uint64_t allocated_ = 0;    // blocks are preallocated up to here
  size_t next_capacity_ = kMinChunk;
  bool appended_ = false;  // since the last release_if_idle()
  // Chunks are cut from pooled 2 MiB blocks (huge pages, kept warm for
  // reuse), several small ones to a block: with aligned_alloc every small
  // chunk was new memory, faulted in 4 KiB at a time by the appending
  // network thread (docs/performance.md, "Tail chunks from pooled blocks").
  BatchArena chunk_arena_;
};

}  // namespace fjord::storage
