// SegmentTail on its own: the file and the chunks must always agree with a
// plain byte model of what was appended. Each test runs twice: in a dir on
// the test temp dir (ext4 here: O_DIRECT) and in /dev/shm (tmpfs: older
// kernels refuse O_DIRECT there, so the plain pwrite fallback runs; 6.x
// kernels accept it). The assertions hold either way: the file always ends
// where the written bytes end.
#include "segment_tail_fixture.h"

namespace fjord::storage::tail_test {

TEST_P(SegmentTailTest, OddSizedAppendsAcrossChunksReachTheFileExactly) {
  open_tail(0);
  std::printf("[ info     ] %s: direct() = %d\n", GetParam().empty() ? "temp dir" : GetParam().c_str(),
              int(tail_->direct()));
  // Odd sizes, batches above 64 KiB and one above kMaxChunk; > 2 MiB in all.
  const uint32_t sizes[] = {1,     61,     4095,   4096,  4097,  333,    70001, 12, 65536 + 7, 8191,
                            1,     200003, 5,      4099,  (1u << 20) + 12345, 77, 131073, 999, 3, 409601,
                            65535, 1,      250000, 17,    4096 * 3 + 1};
  int i = 0;
  for (uint32_t n : sizes) {
    append(n);
    if (++i % 3 == 0) {
      write();
      expect_file(model_.size());
    }
    expect_reads();
  }
  write();
  EXPECT_GT(model_.size(), 2u << 20);
  expect_file(model_.size());
  expect_reads();
  // Nothing pending: an empty plan.
  write();
  expect_file(model_.size());
}

TEST_P(SegmentTailTest, ThePartialLastBlockIsRewrittenAsItGrows) {
  open_tail(0);
  for (uint32_t n : {10u, 20u, 4000u, 70u, 1u, 8192u, 5u}) {
    append(n);
    write();
    expect_file(model_.size());
    expect_reads();
  }
}

TEST_P(SegmentTailTest, OpensOverAFileWithAPartialBlock) {
  // 5000 bytes already in the file, written the ordinary way.
  std::vector<uint8_t> old(5000);
  for (auto& c : old) c = uint8_t(rng_());
  ASSERT_TRUE(pwrite_all(fd_.get(), old.data(), old.size(), 0));
  model_ = old;
  open_tail(5000);
  EXPECT_EQ(tail_->start(), 4096u);
  uint64_t c;
  EXPECT_EQ(tail_->at(4095, &c, nullptr), nullptr);
  const uint8_t* p = tail_->at(4096, &c, nullptr);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(c, 5000u);
  EXPECT_EQ(std::memcmp(p, old.data() + 4096, 904), 0) << "the partial block was not loaded";
  for (uint32_t n : {3000u, 100000u, 7u}) append(n);
  write();
  expect_file(model_.size());
  expect_reads();
}

// Writes handed over one after another are in flight together (AioWriter):
// each starts where the one before ended, no block is written both through
// the page cache and directly, so they land whatever order they complete
// in; the tail counts bytes as in the file only in plan order.
TEST_P(SegmentTailTest, WritesInFlightTogetherLandInWhicheverOrderTheyRun) {
  open_tail(0);
  std::vector<TailWrite> writes(4);
  std::set<uint64_t> direct_blocks, cached_blocks;
  uint64_t prev_end = 0;
  for (auto& w : writes) {
    for (int k = 0; k < 3; ++k) append(700 + uint32_t(rng_() % 30000));
    tail_->plan_write(&w);
    tail_->mark_submitted(w);
    EXPECT_FALSE(tail_->unsubmitted());
    uint64_t first = w.iov.empty() ? UINT64_MAX : w.file_pos;
    for (int i = 0; i < w.buffered_count; ++i) first = std::min(first, w.buffered[i].pos);
    EXPECT_EQ(first, prev_end) << "a write does not start where the one before ended";
    prev_end = w.end;
    uint64_t pos = w.file_pos;
    for (const auto& v : w.iov) {
      for (uint64_t b = pos / kBlock; b < (pos + v.iov_len) / kBlock; ++b) direct_blocks.insert(b);
      pos += v.iov_len;
    }
    for (int i = 0; i < w.buffered_count; ++i) cached_blocks.insert(w.buffered[i].pos / kBlock);
  }
  if (tail_->direct()) {
    for (uint64_t b : cached_blocks) EXPECT_EQ(direct_blocks.count(b), 0u) << "block " << b << " written both ways";
  }
  EXPECT_FALSE(tail_->unsubmitted());
  EXPECT_TRUE(tail_->pending());
  for (size_t i : {2u, 0u, 3u, 1u}) ASSERT_TRUE(tail_->execute(writes[i])) << strerror(errno);
  for (size_t i = 0; i < writes.size(); ++i) {
    tail_->finish_write(writes[i], true);
    EXPECT_EQ(tail_->on_disk(), writes[i].end);
  }
  EXPECT_FALSE(tail_->pending());
  expect_file(model_.size());
  expect_reads();
  write();  // nothing left
  append(5000);
  write();
  expect_file(model_.size());
  expect_reads();
}

TEST_P(SegmentTailTest, AppendsDuringAWriteWaitForTheNextOne) {
  open_tail(0);
  append(10000);
  TailWrite w;
  tail_->plan_write(&w);
  const uint64_t planned = w.end;
  // Appends between plan and execute (the owner's lock is not held then);
  // one forces a new chunk.
  append(300);
  append(200000);
  ASSERT_TRUE(tail_->execute(w));
  tail_->finish_write(w, true);
  EXPECT_EQ(tail_->on_disk(), planned);
  EXPECT_TRUE(tail_->pending());
  expect_file(planned);
  expect_reads();
  write();
  expect_file(model_.size());
  expect_reads();
}

// Durable mode's small Flusher writes go all through the page cache; the
// direct writes around them must still meet no cached block of their own
// and the file must end where its bytes end.
TEST_P(SegmentTailTest, WritesThroughTheCacheMixWithDirectOnes) {
  open_tail(0);
  for (int round = 0; round < 12; ++round) {
    append(round % 3 == 2 ? 70000 : 5000 + uint32_t(rng_() % 12000));
    TailWrite w;
    const bool small = round % 3 != 2;
    tail_->plan_write(&w, small);
    EXPECT_EQ(w.through_cache, small && tail_->direct());
    ASSERT_TRUE(tail_->execute(w));
    EXPECT_TRUE(w.iov.empty() || !w.through_cache) << "through the cache, nothing is left for the AioWriter";
    tail_->finish_write(w, true);
    expect_file(model_.size());
  }
  expect_reads();
}

// A partition that is opened and never appended to holds no 2 MiB block:
// an idle broker's 100 coordinator partitions once held 200 MiB that way.
TEST_P(SegmentTailTest, AFailedWriteChangesNothing) {
  open_tail(0);
  append(9000);
  TailWrite w;
  tail_->plan_write(&w);
  tail_->finish_write(w, false);
  EXPECT_EQ(tail_->on_disk(), 0u);
  EXPECT_TRUE(tail_->pending());
  expect_reads();
  write();
  expect_file(model_.size());
}

TEST_P(SegmentTailTest, TruncateInsideTheTailThenAppendAgain) {
  open_tail(0);
  for (int i = 0; i < 40; ++i) append(3000 + uint32_t(rng_() % 20000));
  write();
  // A cut at a batch start inside the tail, at or above what is written ...
  append(5000);
  append(7000);
  truncate(starts_[starts_.size() - 1]);
  for (int i = 0; i < 5; ++i) append(1000 + uint32_t(rng_() % 9000));
  write();
  expect_file(model_.size());
  expect_reads();
  // ... and below what is written.
  truncate(starts_[starts_.size() - 12]);
  expect_reads();
  for (int i = 0; i < 8; ++i) append(2000 + uint32_t(rng_() % 90000));
  expect_reads();
  write();
  expect_file(model_.size());
  expect_reads();
}

TEST_P(SegmentTailTest, TruncateInTheBlockAChunkSharesWithTheNext) {
  // The first chunk is kMinChunk bytes; 100-byte batches fill it up to the
  // last multiple of 100, and the next chunk starts at that batch's block,
  // carrying a copy of the block's earlier batches. A cut at one of those
  // (inside both chunks) and new bytes after it must leave no old bytes
  // readable through the first chunk.
  open_tail(0);
  const uint64_t first_chunk_end = SegmentTail::kMinChunk / 100 * 100;  // 65500
  while (model_.size() < first_chunk_end + 3000) append(100);
  write();
  const uint64_t cut = first_chunk_end - 500;
  ASSERT_GE(cut, align_down(first_chunk_end));  // in the shared block
  truncate(cut);
  for (int i = 0; i < 30; ++i) append(100);
  // Failed at 14d41f5, fixed in 477c65b: SegmentTail::truncate() clamped
  // only the last chunk's end, so at() for a batch owned by the first chunk
  // reported its old end (65500) as contiguous, and [cut, 65500) there still
  // held the cut-off bytes: PartitionLog::read() handed them out.
  expect_reads();
  write();
  expect_file(model_.size());
}

TEST_P(SegmentTailTest, TruncateBelowStartReloadsFromTheFile) {
  open_tail(0);
  while (model_.size() < (20u << 20)) append(150000 + uint32_t(rng_() % 100000));
  write();
  ASSERT_GT(tail_->start(), 0u);
  // A batch wholly below start(), cut away with everything after it.
  size_t k = 0;
  while (k + 1 < starts_.size() && starts_[k + 1] < tail_->start()) ++k;
  ASSERT_GT(k, 2u);
  const uint64_t cut = starts_[k - 1];
  ASSERT_NE(cut % kBlock, 0u) << "pick sizes that leave a partial block to reload";
  truncate(cut);
  EXPECT_EQ(tail_->end(), cut);
  EXPECT_EQ(tail_->on_disk(), cut);
  EXPECT_EQ(tail_->start(), align_down(cut));
  for (int i = 0; i < 6; ++i) append(30000 + uint32_t(rng_() % 300000));
  expect_reads();
  write();
  expect_file(model_.size());
  expect_reads();
}

TEST_P(SegmentTailTest, RandomOperationsMatchTheModel) {
  open_tail(0);
  // Sizes mostly small, some around blocks and chunks, rarely above kMaxChunk.
  auto size = [&]() -> uint32_t {
    const uint32_t k = rng_() % 100;
    if (k < 60) return 1 + rng_() % 300;
    if (k < 80) return 4096 - 64 + rng_() % 128;
    if (k < 97) return 30000 + rng_() % 250000;
    return uint32_t(SegmentTail::kMaxChunk) + rng_() % 100000;
  };
  TailWrite in_flight;
  bool planned = false;
  for (int op = 0; op < 1500; ++op) {
    SCOPED_TRACE("op " + std::to_string(op));
    const uint32_t k = rng_() % 100;
    if (k < 30) {
      append(size());
    } else if (k < 60) {
      adopt(size());
    } else if (k < 75 && !planned) {
      tail_->plan_write(&in_flight);  // executed a few operations later
      planned = true;
    } else if (k < 88 && planned) {
      const uint64_t end = in_flight.end;
      ASSERT_TRUE(tail_->execute(in_flight));
      tail_->finish_write(in_flight, true);
      in_flight = TailWrite{};
      planned = false;
      EXPECT_GE(tail_->on_disk(), end);
      EXPECT_LE(tail_->start(), tail_->on_disk());
    } else if (k < 93 && !planned) {
      write();
      expect_file(model_.size());
    } else if (k < 94 && !planned) {
      // A cut in the block a chunk shares with the next one.
      auto ends = chunk_ends();
      if (!ends.empty()) {
        auto it = ends.begin();
        std::advance(it, long(rng_() % ends.size()));
        auto cand = std::lower_bound(starts_.begin(), starts_.end(), align_down(*it));
        if (cand != starts_.end() && *cand < *it && *cand >= tail_->start()) truncate(*cand);
      }
    } else if (k < 97 && !planned && starts_.size() > 2) {
      // Mostly a recent batch, sometimes far back (below start()).
      const size_t back = rng_() % 4 ? 1 + rng_() % std::min<size_t>(starts_.size() - 1, 30)
                                     : 1 + rng_() % (starts_.size() - 1);
      truncate(starts_[starts_.size() - back]);
    }
    if (model_.size() > (40u << 20) && !planned) truncate(starts_[starts_.size() / 4]);
    if (op % 20 == 0) {
      expect_reads();
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  if (planned) {
    ASSERT_TRUE(tail_->execute(in_flight));
    tail_->finish_write(in_flight, true);
    in_flight = TailWrite{};
  }
  write();
  expect_file(model_.size());
  expect_reads();
}

INSTANTIATE_TEST_SUITE_P(Filesystems, SegmentTailTest,
                         ::testing::Values(std::string(), std::string("/dev/shm"), std::string("buffered")),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return p.param.empty() ? std::string("TempDir")
                                  : p.param == "buffered" ? std::string("BufferedFallback")
                                                          : std::string("DevShm");
                         });

}  // namespace fjord::storage::tail_test
