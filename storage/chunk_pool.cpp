#include "storage/chunk_pool.h"

#include <sys/mman.h>

#include <algorithm>

namespace fjord::storage {

ChunkPool& ChunkPool::instance() {
  static ChunkPool* pool = new ChunkPool();  // never destroyed: tails may outlive statics
  return *pool;
}

ChunkPool::~ChunkPool() {
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
      return b;
    }
  }
  // Map twice the size and keep the 2 MiB-aligned middle (huge pages need the alignment).
  const size_t span = 2 * kBlockBytes;
  void* m = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  {
    std::lock_guard lk(mu_);
    ++in_use_;
  }
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
    if (++passes_ < kTrimPasses) return;
    const size_t n = std::min(min_free_, free_.size());
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

}  // namespace fjord::storage
