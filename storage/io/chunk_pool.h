#pragma once
// Memory for full-size tail chunks (segment_tail.h): 2 MiB blocks aligned to
// 2 MiB and backed by transparent huge pages where the kernel allows, kept
// for reuse instead of returned. Why: every O_DIRECT write pins its source
// pages (get_user_pages, ~10% of the broker's CPU with 4 KiB pages; one huge
// page is pinned at once), and on this project's VMs a never-touched page
// costs a host fault, so warm blocks are worth keeping: idle ones go back to
// the kernel only after a while unused (trim). Thread-safe.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace fjord::storage {

class ChunkPool {
 public:
  static constexpr size_t kBlockBytes = 2 << 20;
  static ChunkPool& instance();
  ChunkPool() = default;
  ~ChunkPool();  // stops the warmer, unmaps the idle blocks (instance() is never destroyed)
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  // A kBlockBytes block, or null when memory is exhausted.
  uint8_t* take();
  // Returns a block from take(); kept for reuse while the blocks in use and
  // idle together stay within the limit, unmapped otherwise.
  void give(uint8_t* block);
  // The limit (the tails' budget).
  void set_max_bytes(uint64_t bytes);
  // Called periodically: every kTrimPasses calls, unmaps the blocks that
  // stayed idle through all of them.
  void trim();
  size_t idle_blocks();
  size_t blocks_in_use();  // tests
  // Keeps idle blocks already touched, made by a background thread
  // (fj-chunkwarm) whenever take() leaves fewer. Why: the first touch of a
  // block advised as a huge page clears 2 MiB in one fault, 4.5 ms on this
  // project's VMs, and that fell on the network thread appending into a
  // new chunk. How many follows demand: as many blocks as were taken in the
  // current or the previous trim() pass, at least `floor` and at most
  // `blocks` (floor defaults to blocks: always `blocks`), so an idle broker
  // holds `floor` warm blocks, not `blocks`. Within the limit only; trim()
  // keeps the reserve. 0: no new ones.
  void keep_warm(size_t blocks, size_t floor);
  void keep_warm(size_t blocks) { keep_warm(blocks, blocks); }
  // Blocks the warmer has made (tests).
  uint64_t warmed_blocks();

  static constexpr int kTrimPasses = 60;  // with LogManager's 1 s passes: blocks idle for a minute go

 private:
  // A fresh 2 MiB-aligned block, huge pages advised, untouched; null when out of memory.
  static uint8_t* map_block();
  void warm_loop();
  // The warm blocks wanted now (mu_ held).
  size_t reserve_locked() const;
  // pthread_atfork handlers for instance(): a forked child (the crash test's
  // writer) must not inherit mu_ held, or a condition variable and thread
  // handle of a warmer it does not have.
  static void before_fork();
  static void after_fork_in_parent();
  static void after_fork_in_child();

  std::mutex mu_;
  std::vector<uint8_t*> free_;  // taken from the back: the front ones are the longest idle
  size_t max_blocks_ = 256;     // 512 MiB, in use and idle
  size_t in_use_ = 0;
  size_t min_free_ = 0;         // fewest idle blocks since the last release
  int passes_ = 0;
  size_t warm_target_ = 0;      // most blocks kept warm
  size_t warm_floor_ = 0;       // fewest
  size_t taken_this_pass_ = 0;  // take() calls since the last trim()
  size_t taken_last_pass_ = 0;
  uint64_t warmed_ = 0;
  bool stopping_ = false;
  std::condition_variable warm_cv_;
  std::thread warmer_;
};

}  // namespace fjord::storage
