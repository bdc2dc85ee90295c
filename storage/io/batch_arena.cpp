#include "storage/io/batch_arena.h"

#include "storage/io/chunk_pool.h"
#include "storage/io/segment_tail.h"

namespace fjord::storage {

static_assert(BatchArena::kBlock == SegmentTail::kBlock);

ArenaBatch BatchArena::allocate(uint32_t residue, uint32_t size) {
  const uint64_t slot = (uint64_t(residue) + size + kBlock - 1) / kBlock * kBlock;
  if (residue >= kBlock || slot > ChunkPool::kBlockBytes) return {};
  if (!block_ || used_ + slot > ChunkPool::kBlockBytes) {
    block_.reset();
    // Blocks count against the tails' memory budget for as long as any slot
    // of theirs lives; over it, batches are copied into the tails instead.
    if (SegmentTail::over_budget()) return {};
    uint8_t* b = ChunkPool::instance().take();
    if (!b) return {};
    SegmentTail::charge(int64_t(ChunkPool::kBlockBytes));
    block_ = std::shared_ptr<uint8_t>(b, [](uint8_t* p) {
      ChunkPool::instance().give(p);
      SegmentTail::charge(-int64_t(ChunkPool::kBlockBytes));
    });
    used_ = 0;
  }
  uint8_t* data = block_.get() + used_ + residue;
  used_ += slot;
  return {data, size, block_};
}

}  // namespace fjord::storage
