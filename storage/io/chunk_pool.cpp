#include "storage/io/chunk_pool.h"

#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <new>

namespace fjord::storage {

namespace {
ChunkPool* g_pool = nullptr;  // instance(), never destroyed: tails may outlive statics
}  // namespace

ChunkPool& ChunkPool::instance() {
  static ChunkPool* pool = [] {
    g_pool = new ChunkPool();
    ::pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
    return g_pool;
  }();
  return *pool;
}

void ChunkPool::before_fork() { g_pool->mu_.lock(); }  // the pool is consistent in the child

void ChunkPool::after_fork_in_parent() { g_pool->mu_.unlock(); }

void ChunkPool::after_fork_in_child() {
  // Only the forking thread lives on: the warmer (maybe waiting on warm_cv_,
  // which its phantom would block) is gone, so its handle and both sync
  // objects start afresh; keep_warm() starts a warmer again.
  new (&g_pool->mu_) std::mutex();
  new (&g_pool->warm_cv_) std::condition_variable();
  new (&g_pool->warmer_) std::thread();
}

ChunkPool::~ChunkPool() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  warm_cv_.notify_all();
  if (warmer_.joinable()) warmer_.join();
  for (uint8_t* b : free_) ::munmap(b, kBlockBytes);
}

uint8_t* ChunkPool::take() {
  {
    std::lock_guard lk(mu_);
    if (!free_.empty()) {
      uint8_t* b = free_.back();
      free_.pop_back();
      min_free_ = std::min(min_free_, free_.size());
      ++in_use_;
      ++taken_this_pass_;
      if (free_.size() < reserve_locked()) warm_cv_.notify_one();
      return b;
    }
    ++in_use_;
    ++taken_this_pass_;
    if (reserve_locked() > 0) warm_cv_.notify_one();
  }
  uint8_t* b = map_block();  // none idle (the warmer is behind): this one is cold
  if (!b) {
    std::lock_guard lk(mu_);
    --in_use_;
  }
  return b;
}

uint8_t* ChunkPool::map_block() {
  // Map twice the size and keep the 2 MiB-aligned middle (huge pages need the alignment).
  const size_t span = 2 * kBlockBytes;
  void* m = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  const uintptr_t base = reinterpret_cast<uintptr_t>(m);
  const uintptr_t aligned = (base + kBlockBytes - 1) & ~uintptr_t(kBlockBytes - 1);
  if (aligned > base) ::munmap(m, aligned - base);
  if (aligned + kBlockBytes < base + span)
    ::munmap(reinterpret_cast<void*>(aligned + kBlockBytes), base + span - aligned - kBlockBytes);
  auto* b = reinterpret_cast<uint8_t*>(aligned);
  ::madvise(b, kBlockBytes, MADV_HUGEPAGE);  // a hint; 4 KiB pages still work
  return b;
}

void ChunkPool::give(uint8_t* block) {
  {
    std::lock_guard lk(mu_);
    --in_use_;
    if (free_.size() + in_use_ < max_blocks_) {
      free_.push_back(block);
      return;
    }
  }
  ::munmap(block, kBlockBytes);
}


void ChunkPool::set_max_bytes(uint64_t bytes) {
  std::lock_guard lk(mu_);
  max_blocks_ = size_t(bytes / kBlockBytes);
}

void ChunkPool::trim() {
  std::vector<uint8_t*> release;
  {
    std::lock_guard lk(mu_);
    taken_last_pass_ = taken_this_pass_;
    taken_this_pass_ = 0;
    if (++passes_ < kTrimPasses) return;
    // The longest idle go first, but never the warm reserve.
    const size_t n = std::min(min_free_, free_.size() - std::min(reserve_locked(), free_.size()));
    release.assign(free_.begin(), free_.begin() + std::ptrdiff_t(n));
    free_.erase(free_.begin(), free_.begin() + std::ptrdiff_t(n));
    min_free_ = free_.size();
    passes_ = 0;
  }
  for (uint8_t* b : release) ::munmap(b, kBlockBytes);
}

size_t ChunkPool::idle_blocks() {
  std::lock_guard lk(mu_);
  return free_.size();
}

size_t ChunkPool::blocks_in_use() {
  std::lock_guard lk(mu_);
  return in_use_;
}

uint64_t ChunkPool::warmed_blocks() {
  std::lock_guard lk(mu_);
  return warmed_;
}

size_t ChunkPool::reserve_locked() const {
  const size_t demand = std::max(taken_this_pass_, taken_last_pass_);
  return std::min(warm_target_, std::max(warm_floor_, demand));
}

void ChunkPool::keep_warm(size_t blocks, size_t floor) {
  {
    std::lock_guard lk(mu_);
    warm_target_ = blocks;
    warm_floor_ = std::min(floor, blocks);
    if (blocks > 0 && !warmer_.joinable()) warmer_ = std::thread([this] { warm_loop(); });
  }
  warm_cv_.notify_one();
}

void ChunkPool::warm_loop() {
  pthread_setname_np(pthread_self(), "fj-chunkwarm");
  std::unique_lock lk(mu_);
  while (true) {
    warm_cv_.wait(lk, [this] {
      return stopping_ || (free_.size() < reserve_locked() && free_.size() + in_use_ < max_blocks_);
    });
    if (stopping_) return;
    lk.unlock();
    uint8_t* b = map_block();
    // One write per 4 KiB page faults the block in here rather than in the
    // appender (as a huge page, the first write does all of it).
    if (b)
      for (size_t off = 0; off < kBlockBytes; off += 4096) b[off] = 0;
    lk.lock();
    if (!b) {  // out of memory: try again a little later
      warm_cv_.wait_for(lk, std::chrono::seconds(1), [this] { return stopping_; });
      continue;
    }
    ++warmed_;
    if (free_.size() + in_use_ < max_blocks_ && !stopping_) {
      free_.push_back(b);
    } else {
      lk.unlock();
      ::munmap(b, kBlockBytes);
      lk.lock();
    }
  }
}

}  // namespace fjord::storage
