#pragma once
// Memory for record batches a connection receives straight off the socket,
// laid out so a log tail can keep it instead of copying it (SegmentTail::adopt).
// Why: the copy from the request buffer into the tail was a fifth of the
// broker's CPU on the produce path (docs/performance.md).
//
// Each batch gets a slot of its own: block-aligned, from pooled 2 MiB blocks
// (huge pages, cheap to pin for O_DIRECT writes), with the batch starting at
// the offset within a block that its file position will have. Not
// thread-safe: one arena per connection. A SegmentTail also has one, to cut
// the chunks it copies batches into from pooled blocks.
#include <cstdint>
#include <memory>

namespace fjord::storage {

// A batch's bytes in an arena slot. `owner` keeps the slot alive; the slot
// is [data - residue, data - residue + align_up(residue + size)) and belongs
// to this batch alone.
struct ArenaBatch {
  uint8_t* data = nullptr;
  uint32_t size = 0;
  std::shared_ptr<const void> owner;
};

class BatchArena {
 public:
  static constexpr uint64_t kBlock = 4096;  // = SegmentTail::kBlock

  // A slot for `size` bytes starting at `residue` (< kBlock) within a block;
  // empty (data null) if the batch does not fit in one pooled block, or the
  // tails are over their memory budget (SegmentTail::over_budget).
  ArenaBatch allocate(uint32_t residue, uint32_t size);

 private:
  std::shared_ptr<uint8_t> block_;  // the block slots are cut from, returned to the ChunkPool when unused
  uint64_t used_ = 0;               // bytes of block_ handed out (a multiple of kBlock)
};

}  // namespace fjord::storage
