// SegmentTail on its own: the file and the chunks must always agree with a
// plain byte model of what was appended. Each test runs twice: in a dir on
// the test temp dir (ext4 here: O_DIRECT) and in /dev/shm (tmpfs: older
// kernels refuse O_DIRECT there, so the plain pwrite fallback runs; 6.x
// kernels accept it). The assertions hold either way: the file always ends
// where the written bytes end.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/io/batch_arena.h"
#include "storage/io/chunk_pool.h"
#include "storage/file_ops.h"
#include "storage/io/segment_tail.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

constexpr uint64_t kBlock = SegmentTail::kBlock;

uint64_t align_up(uint64_t v) { return (v + kBlock - 1) / kBlock * kBlock; }
uint64_t align_down(uint64_t v) { return v / kBlock * kBlock; }

// A scratch dir under `base` ("" = test::TempDir's default location).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& base) {
    if (base.empty()) {
      temp_ = std::make_unique<test::TempDir>();
      path_ = temp_->path();
      return;
    }
    path_ = base + "/fjord-tail-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    if (temp_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::unique_ptr<test::TempDir> temp_;
  std::string path_;
};

class SegmentTailTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // "buffered": the temp dir with the plain-pwrite fallback forced.
    if (GetParam() == "buffered") try_direct_ = false;
    else if (!GetParam().empty() && !std::filesystem::is_directory(GetParam()))
      GTEST_SKIP() << GetParam() << " missing";
    dir_ = std::make_unique<ScratchDir>(GetParam() == "buffered" ? std::string() : GetParam());
    path_ = dir_->path() + "/00000000000000000000.log";
    fd_ = FileHandle(::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd_.valid());
  }
  void TearDown() override {
    tail_.reset();
    fd_.reset();
    dir_.reset();
  }

  // Opens the tail over the file's current `size` bytes (already in model_).
  void open_tail(uint64_t size) {
    ASSERT_EQ(SegmentTail::open(path_, fd_.get(), size, &tail_, try_direct_), Errc::ok);
    if (!try_direct_) {
      ASSERT_FALSE(tail_->direct());
    }
    ASSERT_EQ(tail_->end(), size);
    ASSERT_EQ(tail_->on_disk(), size);
    ASSERT_FALSE(tail_->pending());
  }

  // Appends `n` pseudo-random bytes as one "batch".
  void append(uint32_t n) {
    std::vector<uint8_t> b(n);
    for (auto& c : b) c = uint8_t(rng_());
    const uint64_t pos = model_.size();
    ASSERT_EQ(tail_->append(b.data(), n, pos), Errc::ok);
    model_.insert(model_.end(), b.begin(), b.end());
    starts_.push_back(pos);
    ASSERT_EQ(tail_->end(), model_.size());
  }

  // Receives `n` pseudo-random bytes into an arena slot placed for the
  // tail's end and hands it over, as the produce path does; a batch too big
  // for an arena block is appended instead. Returns the memory adopted.
  const uint8_t* adopt(uint32_t n) {
    const uint64_t pos = model_.size();
    ArenaBatch b = arena_.allocate(uint32_t(pos % kBlock), n);
    if (!b.data) {
      EXPECT_GT(pos % kBlock + n, ChunkPool::kBlockBytes);
      append(n);
      return nullptr;
    }
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data) % kBlock, pos % kBlock);
    for (uint32_t i = 0; i < n; ++i) b.data[i] = uint8_t(rng_());
    model_.insert(model_.end(), b.data, b.data + n);
    starts_.push_back(pos);
    EXPECT_TRUE(tail_->adopt(b.data, n, pos, b.owner));
    EXPECT_EQ(tail_->end(), model_.size());
    return b.data;
  }

  // One full plan/execute/finish round; checks the plan's shape (the same
  // in either mode).
  void write() {
    TailWrite w;
    const uint64_t disk = tail_->on_disk(), end = tail_->end();
    tail_->plan_write(&w);
    EXPECT_EQ(w.end, end);
    if (disk == end) {
      EXPECT_TRUE(w.empty());
    } else {
      uint64_t len = 0;
      for (auto& v : w.iov) len += v.iov_len;
      if (tail_->direct()) {
        // The rest of the block the write starts in and the block it ends in
        // through the page cache; the whole blocks between them directly.
        const uint64_t body_from = std::min(end, align_up(disk)), body_to = std::max(body_from, align_down(end));
        EXPECT_EQ(w.file_pos, body_from);
        EXPECT_EQ(len, body_to - body_from);
        for (auto& v : w.iov) {
          EXPECT_EQ(v.iov_len % kBlock, 0u);
          EXPECT_EQ(reinterpret_cast<uintptr_t>(v.iov_base) % kBlock, 0u);
        }
        uint64_t buffered = 0, at = disk;
        for (int i = 0; i < w.buffered_count; ++i) {
          const auto& b = w.buffered[i];
          if (b.pos != at) at = body_to;  // the second piece follows the body
          EXPECT_EQ(b.pos, at);
          EXPECT_EQ(b.pos / kBlock, (b.pos + b.len - 1) / kBlock) << "a page-cache piece spans blocks";
          EXPECT_EQ(std::memcmp(b.data, model_.data() + b.pos, b.len), 0);
          buffered += b.len;
          at += b.len;
        }
        EXPECT_EQ(buffered + len, end - disk);
      } else {
        EXPECT_EQ(w.file_pos, disk);
        EXPECT_EQ(len, end - disk);
        EXPECT_EQ(w.buffered_count, 0);
      }
    }
    ASSERT_TRUE(tail_->execute(w)) << strerror(errno);
    tail_->finish_write(w, true);
    EXPECT_EQ(tail_->on_disk(), end);
    EXPECT_FALSE(tail_->pending());
  }

  // What the caller (Segment::truncate_to) does: cut the file, then the tail.
  void truncate(uint64_t pos) {
    struct stat st;
    ASSERT_EQ(::fstat(fd_.get(), &st), 0);
    if (uint64_t(st.st_size) > pos) {
      ASSERT_EQ(::ftruncate(fd_.get(), off_t(pos)), 0);
    }
    ASSERT_EQ(tail_->truncate(pos), Errc::ok);
    model_.resize(pos);
    while (!starts_.empty() && starts_.back() >= pos) starts_.pop_back();
    EXPECT_EQ(tail_->end(), pos);
    EXPECT_LE(tail_->on_disk(), pos);
  }

  std::vector<uint8_t> file_bytes() const {
    std::vector<uint8_t> out(std::filesystem::file_size(path_));
    if (!out.empty()) {
      EXPECT_TRUE(pread_all(fd_.get(), out.data(), out.size(), 0));
    }
    return out;
  }

  // The file holds model_[0, upto) exactly, and once everything appended
  // is written, nothing more: its length is the end of the written bytes.
  void expect_file(uint64_t upto) const {
    auto f = file_bytes();
    ASSERT_GE(f.size(), upto);
    EXPECT_EQ(std::memcmp(f.data(), model_.data(), upto), 0) << "file differs from the appended bytes";
    if (upto == model_.size()) {
      EXPECT_EQ(f.size(), upto) << "the file runs past its bytes";
    }
  }

  // Every batch at or above start() is in memory, whole, and every byte of
  // the range at() calls contiguous equals the model; batches below start()
  // are in the file.
  void expect_reads() const {
    std::vector<uint8_t> f;
    std::map<uintptr_t, std::pair<uint64_t, uint64_t>> chunk_ranges;
    for (size_t i = 0; i < starts_.size(); ++i) {
      const uint64_t s = starts_[i];
      const uint64_t e = i + 1 < starts_.size() ? starts_[i + 1] : model_.size();
      uint64_t contiguous = 0;
      std::shared_ptr<const void> pin;
      const uint8_t* p = tail_->at(s, &contiguous, &pin);
      if (s < tail_->start()) {
        EXPECT_EQ(p, nullptr) << "batch " << i << " at " << s << " below start " << tail_->start();
        ASSERT_LE(e, tail_->on_disk()) << "batch " << i << " below start() but not on disk";
        if (f.empty()) f = file_bytes();
        ASSERT_GE(f.size(), e);
        EXPECT_EQ(std::memcmp(f.data() + s, model_.data() + s, e - s), 0) << "batch " << i << " in the file";
        continue;
      }
      ASSERT_NE(p, nullptr) << "batch " << i << " at " << s << " (start " << tail_->start() << ")";
      EXPECT_TRUE(pin);
      EXPECT_GE(contiguous, e) << "batch " << i << " at " << s << " not whole in one chunk";
      ASSERT_LE(contiguous, model_.size()) << "batch " << i << ": contiguous end past the tail's end";
      ASSERT_EQ(std::memcmp(p, model_.data() + s, e - s), 0) << "batch " << i << " at " << s << " in memory";
      // All of [s, contiguous) must be right, not just the batch: checked
      // once per chunk (same memory base), from its first batch.
      const uintptr_t base = reinterpret_cast<uintptr_t>(p) - s;
      if (chunk_ranges.emplace(base, std::make_pair(s, contiguous)).second) {
        const auto bad = std::mismatch(p, p + (contiguous - s), model_.data() + s).first;
        ASSERT_TRUE(bad == p + (contiguous - s)) << "batch " << i << " at " << s << ": memory [" << s << ", "
                                                 << contiguous << ") differs from byte " << s + (bad - p) << " on";
      }
    }
    uint64_t c;
    EXPECT_EQ(tail_->at(tail_->end(), &c, nullptr), nullptr);
  }

  // Ends of the chunks before the last one, as at() reports them.
  std::set<uint64_t> chunk_ends() const {
    std::set<uint64_t> ends;
    for (uint64_t st : starts_) {
      uint64_t c = 0;
      if (st >= tail_->start() && tail_->at(st, &c, nullptr) && c < tail_->end()) ends.insert(c);
    }
    return ends;
  }

  std::unique_ptr<ScratchDir> dir_;
  std::string path_;
  FileHandle fd_;
  std::unique_ptr<SegmentTail> tail_;
  bool try_direct_ = true;
  std::vector<uint8_t> model_;    // every byte appended, at its file position
  std::vector<uint64_t> starts_;  // batch start positions
  std::mt19937 rng_{42};
  BatchArena arena_;
};

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

}  // namespace
}  // namespace fjord::storage
