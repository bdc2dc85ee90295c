#pragma once
// The SegmentTailTest fixture, shared by segment_tail_test.cpp (writes,
// truncation, the random model run, and the instantiation over filesystems)
// and segment_tail_memory_test.cpp (chunks, pooled blocks, the budget,
// adoption).
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

namespace fjord::storage::tail_test {

constexpr uint64_t kBlock = SegmentTail::kBlock;

inline uint64_t align_up(uint64_t v) { return (v + kBlock - 1) / kBlock * kBlock; }
inline uint64_t align_down(uint64_t v) { return v / kBlock * kBlock; }

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

}  // namespace fjord::storage::tail_test
