// ChunkPool keeps returned blocks warm for reuse and gives back to the kernel
// only those that stayed idle through a whole trim period.
#include "storage/io/chunk_pool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

namespace fjord::storage {
namespace {

std::vector<uint8_t*> take(ChunkPool& pool, int n) {
  std::vector<uint8_t*> v;
  for (int i = 0; i < n; ++i) {
    uint8_t* b = pool.take();
    EXPECT_NE(b, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % ChunkPool::kBlockBytes, 0u) << "not 2 MiB aligned";
    std::memset(b, 0x5a, ChunkPool::kBlockBytes);  // writable, whole
    v.push_back(b);
  }
  return v;
}

void trim_period(ChunkPool& pool) {
  for (int i = 0; i < ChunkPool::kTrimPasses; ++i) pool.trim();
}

TEST(ChunkPoolTest, ReturnedBlocksAreReusedWithinTheLimit) {
  ChunkPool pool;
  pool.set_max_bytes(3 * ChunkPool::kBlockBytes);
  auto blocks = take(pool, 5);
  for (uint8_t* b : blocks) pool.give(b);
  EXPECT_EQ(pool.idle_blocks(), 3u) << "beyond the limit blocks are unmapped";
  auto in_use = take(pool, 4);  // the 3 idle ones, then a new one
  EXPECT_EQ(pool.idle_blocks(), 0u);
  for (int i = 0; i < 3; ++i)
    EXPECT_NE(std::find(blocks.begin(), blocks.end(), in_use[i]), blocks.end()) << "not reused";
  // In use and idle together stay within the limit: with 3 in use, a
  // returned block is unmapped.
  pool.give(in_use[3]);
  EXPECT_EQ(pool.idle_blocks(), 0u);
  for (int i = 0; i < 3; ++i) pool.give(in_use[i]);
  EXPECT_EQ(pool.idle_blocks(), 3u);
}

TEST(ChunkPoolTest, TrimReleasesOnlyBlocksIdleForAWholePeriod) {
  ChunkPool pool;
  pool.set_max_bytes(64 * ChunkPool::kBlockBytes);
  for (uint8_t* b : take(pool, 6)) pool.give(b);
  trim_period(pool);  // the first period started before the blocks came back
  EXPECT_EQ(pool.idle_blocks(), 6u);
  // A period in which 2 of them were in use at once: 4 stayed idle throughout.
  auto busy = take(pool, 2);
  for (uint8_t* b : busy) pool.give(b);
  trim_period(pool);
  EXPECT_EQ(pool.idle_blocks(), 2u);
  // A period in which all the rest were in use: nothing goes.
  auto rest = take(pool, 2);
  for (uint8_t* b : rest) pool.give(b);
  for (int i = 0; i + 1 < ChunkPool::kTrimPasses; ++i) pool.trim();
  EXPECT_EQ(pool.idle_blocks(), 2u) << "released before the period ended";
  pool.trim();
  EXPECT_EQ(pool.idle_blocks(), 2u);
  trim_period(pool);  // a quiet period
  EXPECT_EQ(pool.idle_blocks(), 0u);
}

bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(ChunkPoolTest, KeepsAWarmReserveOfTouchedBlocks) {
  ChunkPool pool;
  pool.set_max_bytes(8 * ChunkPool::kBlockBytes);
  pool.keep_warm(3);
  ASSERT_TRUE(eventually([&] { return pool.idle_blocks() == 3; })) << pool.idle_blocks();
  EXPECT_EQ(pool.warmed_blocks(), 3u);
  uint8_t* b = pool.take();
  std::vector<unsigned char> resident(ChunkPool::kBlockBytes / 4096);
  ASSERT_EQ(::mincore(b, ChunkPool::kBlockBytes, resident.data()), 0);
  EXPECT_TRUE(std::all_of(resident.begin(), resident.end(), [](unsigned char r) { return r & 1; }))
      << "a block from the reserve was not touched yet";
  ASSERT_TRUE(eventually([&] { return pool.idle_blocks() == 3; })) << "the reserve was not refilled";
  EXPECT_EQ(pool.warmed_blocks(), 4u);
  pool.give(b);
  EXPECT_EQ(pool.idle_blocks(), 4u);
  trim_period(pool);
  trim_period(pool);
  EXPECT_EQ(pool.idle_blocks(), 3u) << "trim releases what is beyond the reserve, never the reserve";
}

// An idle broker keeps `floor` warm blocks; taking blocks raises the reserve
// to what the last pass took, up to the full one, and a quiet period lowers it again.
TEST(ChunkPoolTest, TheWarmReserveFollowsDemand) {
  ChunkPool pool;
  pool.set_max_bytes(16 * ChunkPool::kBlockBytes);
  pool.keep_warm(4, 1);
  ASSERT_TRUE(eventually([&] { return pool.idle_blocks() == 1; })) << pool.idle_blocks();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(pool.idle_blocks(), 1u) << "an idle pool warms beyond its floor";
  auto in_use = take(pool, 3);
  ASSERT_TRUE(eventually([&] { return pool.idle_blocks() == 3; })) << "the reserve did not follow the takes: "
                                                                     << pool.idle_blocks();
  in_use.push_back(pool.take());
  for (uint8_t* more : take(pool, 2)) in_use.push_back(more);
  ASSERT_TRUE(eventually([&] { return pool.idle_blocks() == 4; })) << "the reserve went past its most";
  for (uint8_t* blk : in_use) pool.give(blk);
  trim_period(pool);  // the takes fall out of the last two passes
  trim_period(pool);
  EXPECT_EQ(pool.idle_blocks(), 1u) << "a quiet period did not give back all but the floor";
}

TEST(ChunkPoolTest, TheWarmReserveStaysWithinTheLimit) {
  ChunkPool pool;
  pool.set_max_bytes(2 * ChunkPool::kBlockBytes);
  pool.keep_warm(3);
  ASSERT_TRUE(eventually([&] { return pool.idle_blocks() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(pool.idle_blocks(), 2u);
  auto in_use = take(pool, 2);  // the limit is in use: nothing more is made
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(pool.idle_blocks(), 0u);
  for (uint8_t* blk : in_use) pool.give(blk);
  EXPECT_EQ(pool.idle_blocks(), 2u);
}

// Waits up to 20 s for `pid`; kills it and says so if it is stuck.
bool exited_cleanly(pid_t pid) {
  for (int i = 0; i < 2000; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return false;
}

// A forked child (the crash test forks writers) gets a usable pool: not the
// parent's lock held by the warmer, nor its condition variable with the
// warmer, absent in the child, still counted as waiting on it (a notify
// there waited for it forever), and it gets a warmer of its own.
TEST(ChunkPoolTest, AForkedChildTakesBlocksAndWarmsItsOwn) {
  ChunkPool& pool = ChunkPool::instance();
  pool.set_max_bytes(64 * ChunkPool::kBlockBytes);  // room to warm in every round
  pool.keep_warm(2);
  for (int round = 0; round < 40; ++round) {
    // The warmer busy refilling (rounds alternate with it idle, waiting).
    std::vector<uint8_t*> held;
    if (round % 2 == 1)
      while (pool.idle_blocks() > 0 && held.size() < 4) held.push_back(pool.take());
    else
      for (int i = 0; i < 100 && pool.idle_blocks() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::vector<uint8_t*> mine;
      for (int i = 0; i < 4; ++i) {
        uint8_t* b = pool.take();
        if (!b) _exit(2);
        b[0] = 1;
        mine.push_back(b);
      }
      const uint64_t warmed = pool.warmed_blocks();
      for (uint8_t* b : mine) pool.give(b);
      pool.keep_warm(pool.idle_blocks() + 2);
      for (int i = 0; i < 1000 && pool.warmed_blocks() == warmed; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      _exit(pool.warmed_blocks() > warmed ? 0 : 3);
    }
    ASSERT_TRUE(exited_cleanly(pid)) << "round " << round << ": the child was stuck or its pool did not warm";
    for (uint8_t* b : held) pool.give(b);
  }
}

}  // namespace
}  // namespace fjord::storage
