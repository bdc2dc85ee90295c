// SegmentTail's memory: which chunks it keeps behind, pooled blocks and
// arenas, the budget, adopted batches (the fixture and the filesystems it
// runs over: segment_tail_fixture.h, segment_tail_test.cpp).
#include "segment_tail_fixture.h"

namespace fjord::storage::tail_test {

TEST_P(SegmentTailTest, AnOpenedTailHoldsNoPoolBlock) {
  const size_t before = ChunkPool::instance().blocks_in_use();
  open_tail(0);
  EXPECT_EQ(ChunkPool::instance().blocks_in_use(), before);
  append(100);
  append(70000);  // past the first chunk: the next comes from the arena
  EXPECT_GT(ChunkPool::instance().blocks_in_use(), before);
  write();
  expect_file(model_.size());
  expect_reads();
}

TEST_P(SegmentTailTest, WrittenChunksBehindAreFreedButNeverUnwrittenOnes) {
  const uint64_t before = SegmentTail::total_bytes();
  open_tail(0);
  // 12 MiB, written; then 12 MiB more appended while a write of the first
  // 12 MiB is in flight.
  while (model_.size() < (12u << 20)) append(100000 + uint32_t(rng_() % 50000));
  TailWrite w;
  tail_->plan_write(&w);
  while (model_.size() < (24u << 20)) append(100000 + uint32_t(rng_() % 50000));
  EXPECT_EQ(tail_->start(), 0u) << "freed before any write";
  const uint64_t held = SegmentTail::total_bytes();
  EXPECT_GE(held - before, 24u << 20);
  ASSERT_TRUE(tail_->execute(w));
  tail_->finish_write(w, true);
  w = TailWrite{};  // drops its pins, as PartitionLog does after a round
  EXPECT_GT(tail_->start(), 0u) << "nothing freed after 12 MiB written";
  EXPECT_LE(tail_->start(), tail_->on_disk());
  EXPECT_LT(SegmentTail::total_bytes(), held);
  expect_file(tail_->on_disk());
  expect_reads();

  write();
  EXPECT_LE(tail_->start(), tail_->on_disk());
  // What stays: at most kKeepBehind behind the current chunk, the current
  // chunk (at most kMaxChunk, or one batch's worth), and a block to spare.
  EXPECT_LE(SegmentTail::total_bytes() - before, SegmentTail::kKeepBehind + 2 * SegmentTail::kMaxChunk + kBlock);
  EXPECT_GE(tail_->end() - tail_->start(), SegmentTail::kKeepBehind / 2) << "readers a little behind lost memory";
  expect_file(model_.size());
  expect_reads();
  tail_.reset();
  EXPECT_EQ(SegmentTail::total_bytes(), before) << "chunk memory leaked";
}

TEST_P(SegmentTailTest, AQuietTailGivesBackItsWindowAndABusyOneKeepsIt) {
  open_tail(0);
  while (model_.size() < (12u << 20)) append(60000 + uint32_t(rng_() % 50000));
  write();
  const uint64_t window = tail_->end() - tail_->start();
  EXPECT_GE(window, 8u << 20);
  tail_->release_if_idle();  // appended since the last pass: busy
  EXPECT_EQ(tail_->end() - tail_->start(), window);
  append(5000);
  tail_->release_if_idle();  // appended again: still busy
  EXPECT_EQ(tail_->end() - tail_->start(), window + 5000);
  tail_->release_if_idle();  // nothing since: the window goes, unwritten bytes never do
  EXPECT_LE(tail_->end() - tail_->start(), SegmentTail::kMaxChunk);
  EXPECT_LE(tail_->start(), tail_->on_disk());
  expect_reads();
  write();
  expect_file(model_.size());
}

TEST_P(SegmentTailTest, AQuietTailLetsGoOfItsAdoptedBlockOnceOnDisk) {
  open_tail(0);
  append(777);
  ASSERT_NE(adopt(100000), nullptr);
  uint64_t c = 0;
  std::shared_ptr<const void> pin;
  ASSERT_NE(tail_->at(777, &c, &pin), nullptr);
  std::weak_ptr<const void> block = pin;  // the chunk, which holds the arena block
  pin.reset();
  arena_ = BatchArena();  // the arena's own reference to the block goes
  tail_->release_if_idle();  // appended since the last pass: busy
  tail_->release_if_idle();  // quiet, but not on disk yet: kept
  EXPECT_FALSE(block.expired());
  write();
  tail_->release_if_idle();
  EXPECT_TRUE(block.expired()) << "a quiet tail still holds its adopted chunk";
  EXPECT_EQ(tail_->start(), align_down(model_.size()));
  expect_reads();
  // Appends go on from the copied partial block.
  append(10);
  ASSERT_NE(adopt(50000), nullptr);
  write();
  expect_file(model_.size());
  expect_reads();
}

TEST_P(SegmentTailTest, CopiedChunksAreCutFromOnePooledBlock) {
  open_tail(0);
  append(777);
  ASSERT_NE(adopt(100000), nullptr);  // the next copied batch starts a small chunk
  const uint64_t first = model_.size();
  append(3000);
  ASSERT_NE(adopt(100000), nullptr);
  const uint64_t second = model_.size();
  append(3000);
  uint64_t c = 0;
  std::shared_ptr<const void> pin;
  const uint8_t* a = tail_->at(first, &c, &pin) - first % kBlock;
  const uint8_t* b = tail_->at(second, &c, &pin) - second % kBlock;
  // Cut one after the other from the same 2 MiB block, not allocated apart.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) / ChunkPool::kBlockBytes,
            reinterpret_cast<uintptr_t>(b) / ChunkPool::kBlockBytes);
  EXPECT_EQ(b - a, std::ptrdiff_t(SegmentTail::kMinChunk));
  expect_reads();
  write();
  expect_file(model_.size());
}

TEST_P(SegmentTailTest, OverTheBudgetBatchesAreCopiedNotPlacedInArenaBlocks) {
  struct Budget {
    explicit Budget(uint64_t b) { SegmentTail::set_budget(b); }
    ~Budget() { SegmentTail::set_budget(SegmentTail::kDefaultBudget); }
  } budget(SegmentTail::total_bytes() + 1);
  BatchArena arena;
  ArenaBatch a = arena.allocate(0, 1 << 20);  // a first block: within the budget
  ASSERT_NE(a.data, nullptr);
  ArenaBatch b = arena.allocate(0, 1 << 20);  // the rest of that block
  ASSERT_NE(b.data, nullptr);
  EXPECT_EQ(arena.allocate(0, 1 << 20).data, nullptr) << "a second block over the budget";
  const uint64_t charged = SegmentTail::total_bytes();
  a = b = ArenaBatch();
  arena = BatchArena();
  EXPECT_EQ(SegmentTail::total_bytes(), charged - ChunkPool::kBlockBytes) << "the block's charge was not returned";
}

TEST_P(SegmentTailTest, OverTheBudgetNothingIsKeptBehind) {
  struct Budget {  // restores the default for the tests that follow
    explicit Budget(uint64_t b) { SegmentTail::set_budget(b); }
    ~Budget() { SegmentTail::set_budget(SegmentTail::kDefaultBudget); }
  } budget(SegmentTail::total_bytes() + (1u << 20));
  open_tail(0);
  while (model_.size() < (8u << 20)) append(60000 + uint32_t(rng_() % 50000));
  write();
  EXPECT_LE(tail_->end() - tail_->start(), SegmentTail::kMaxChunk) << "kept a window over the budget";
  expect_reads();
  expect_file(model_.size());
}

TEST_P(SegmentTailTest, AdoptedBatchesAreServedFromTheirOwnMemoryAndWrittenExactly) {
  open_tail(0);
  append(100);  // the next batch starts inside a block: its bytes before are carried over
  const uint8_t* p = adopt(70000);
  ASSERT_NE(p, nullptr);
  uint64_t contiguous = 0;
  EXPECT_EQ(tail_->at(100, &contiguous, nullptr), p) << "adopted bytes were copied";
  EXPECT_EQ(contiguous, 70100u);
  append(5);  // into the slack of the adopted slot's last block
  ASSERT_NE(adopt(4096 * 3), nullptr);
  ASSERT_NE(adopt(1), nullptr);
  write();
  expect_file(model_.size());
  expect_reads();
  ASSERT_NE(adopt(300000), nullptr);
  append(4096 - model_.size() % kBlock);  // block-aligned end
  ASSERT_NE(adopt(20000), nullptr);
  write();
  expect_file(model_.size());
  expect_reads();
}

TEST_P(SegmentTailTest, MemoryAtTheWrongOffsetOrWithoutAnOwnerIsNotAdopted) {
  open_tail(0);
  append(10);
  ArenaBatch b = arena_.allocate(11, 5000);  // placed for position 11, the end is 10
  ASSERT_NE(b.data, nullptr);
  EXPECT_FALSE(tail_->adopt(b.data, 5000, 10, b.owner));
  ArenaBatch c = arena_.allocate(10, 5000);
  EXPECT_FALSE(tail_->adopt(c.data, 5000, 10, nullptr));
  EXPECT_FALSE(tail_->adopt(c.data, 5000, 9, c.owner));  // not at the end
  EXPECT_EQ(tail_->end(), 10u);
  EXPECT_TRUE(tail_->adopt(c.data, 5000, 10, c.owner));
  EXPECT_EQ(tail_->end(), 5010u);
}

TEST(BatchArena, SlotsAreBlockAlignedDisjointAndHeldByTheirOwners) {
  BatchArena arena;
  const size_t idle_before = ChunkPool::instance().idle_blocks();
  std::vector<ArenaBatch> slots;
  uintptr_t prev_end = 0;
  for (uint32_t i = 0; i < 40; ++i) {
    const uint32_t residue = (i * 977) % uint32_t(kBlock), size = 1 + i * 13001;
    ArenaBatch b = arena.allocate(residue, size);
    ASSERT_NE(b.data, nullptr);
    const uintptr_t at = reinterpret_cast<uintptr_t>(b.data);
    EXPECT_EQ(at % kBlock, residue);
    // Cut in order from a block, or from a new one.
    if (!slots.empty() && b.owner == slots.back().owner) {
      EXPECT_GE(at - residue, prev_end);
    }
    prev_end = at - residue + align_up(residue + size);
    slots.push_back(b);
  }
  EXPECT_EQ(arena.allocate(1, uint32_t(ChunkPool::kBlockBytes)).data, nullptr);  // larger than a block
  EXPECT_EQ(arena.allocate(uint32_t(kBlock), 10).data, nullptr);                // not a residue
  slots.clear();
  arena = BatchArena();
  EXPECT_GE(ChunkPool::instance().idle_blocks(), idle_before) << "blocks were not given back";
}

}  // namespace fjord::storage::tail_test
