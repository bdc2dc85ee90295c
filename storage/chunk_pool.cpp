#include "storage/chunk_pool.h"

#include <sys/mman.h>

namespace fjord::storage {

ChunkPool& ChunkPool::instance() {
  static ChunkPool* pool = new ChunkPool();  // never destroyed: tails may outlive statics
  return *pool;
}

uint8_t* ChunkPool::take() {
  {
    std::lock_guard lk(mu_);
    if (!free_.empty()) {
      uint8_t* b = free_.back();
      free_.pop_back();
      return b;
    }
  }
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
    if (free_.size() < kMaxFree) {
      free_.push_back(block);
      return;
    }
  }
  ::munmap(block, kBlockBytes);
}

}  // namespace fjord::storage
