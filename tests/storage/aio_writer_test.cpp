// AioWriter: writes queued together go out in one io_submit and land byte
// for byte, including O_DIRECT writes and writes of more iovecs than one
// request takes; a failed write reports its errno to its job only; lazy
// jobs complete through reap_ready() or the lazy reaper, parked or not.
#include "storage/io/aio_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/file_ops.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

std::vector<uint8_t> file_bytes(const std::string& path) {
  FileHandle fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_TRUE(fd.valid());
  std::vector<uint8_t> out(size_t(::lseek(fd.get(), 0, SEEK_END)));
  EXPECT_TRUE(pread_all(fd.get(), out.data(), out.size(), 0));
  return out;
}

struct AlignedDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};
using AlignedBytes = std::unique_ptr<uint8_t, AlignedDeleter>;
AlignedBytes aligned(size_t n, uint8_t fill) {
  auto p = static_cast<uint8_t*>(std::aligned_alloc(4096, n));
  std::memset(p, fill, n);
  return AlignedBytes(p);
}

// A job that reports its outcome through a future.
struct TestJob : AioWriter::Job {
  std::promise<int> written;
  void on_written(int err) override { written.set_value(err); }
};

// Submits what is queued, releases the job and waits for its outcome.
int finish(const std::shared_ptr<TestJob>& job) {
  auto f = job->written.get_future();
  AioWriter::instance().submit();
  AioWriter::instance().release(job);
  EXPECT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  return f.get();
}

TEST(AioWriterTest, WritesToSeveralFilesGoOutTogetherAndLandWhole) {
  test::TempDir dir;
  AioWriter& aio = AioWriter::instance();
  constexpr int kFiles = 6;
  std::vector<FileHandle> fds;
  std::vector<std::vector<uint8_t>> data(kFiles);
  std::vector<std::vector<iovec>> iovs(kFiles);
  auto job = std::make_shared<TestJob>();
  const uint64_t before = aio.submitted_async();
  for (int f = 0; f < kFiles; ++f) {
    fds.emplace_back(::open((dir.path() + "/f" + std::to_string(f)).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(fds.back().valid());
    data[f].resize(10000 + size_t(f) * 3001);
    for (size_t i = 0; i < data[f].size(); ++i) data[f][i] = uint8_t(i * 7 + size_t(f));
    // Uneven pieces, written at an offset.
    for (size_t at = 0; at < data[f].size(); at += 1000 + size_t(f))
      iovs[f].push_back({data[f].data() + at, std::min<size_t>(1000 + size_t(f), data[f].size() - at)});
    aio.add(*job, fds.back().get(), iovs[f], 512);
  }
  EXPECT_EQ(aio.submitted_async(), before) << "handed over before submit()";
  EXPECT_EQ(finish(job), 0);
  EXPECT_EQ(aio.submitted_async() - before, uint64_t(kFiles)) << "the writes did not go out through AIO";
  for (int f = 0; f < kFiles; ++f) {
    auto got = file_bytes(dir.path() + "/f" + std::to_string(f));
    ASSERT_EQ(got.size(), 512 + data[f].size());
    EXPECT_TRUE(std::equal(data[f].begin(), data[f].end(), got.begin() + 512)) << "file " << f;
  }
}

TEST(AioWriterTest, MoreIovecsThanOneRequestTakesAreSplitInOrder) {
  test::TempDir dir;
  FileHandle fd(::open((dir.path() + "/big").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid());
  std::vector<uint8_t> data(size_t(IOV_MAX) * 5 / 2 * 3);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i % 251);
  std::vector<iovec> iov;
  for (size_t at = 0; at < data.size(); at += 3) iov.push_back({data.data() + at, 3});
  AioWriter& aio = AioWriter::instance();
  const uint64_t before = aio.submitted_async();
  auto job = std::make_shared<TestJob>();
  aio.add(*job, fd.get(), iov, 0);
  EXPECT_EQ(finish(job), 0);
  EXPECT_EQ(aio.submitted_async() - before, 3u) << "one write of 2.5 x IOV_MAX iovecs is three requests";
  EXPECT_EQ(file_bytes(dir.path() + "/big"), data);
}

TEST(AioWriterTest, DirectWritesLandWhole) {
  test::TempDir dir;
  std::vector<FileHandle> fds;
  std::vector<AlignedBytes> bufs;
  std::vector<std::vector<iovec>> iovs(3);
  auto job = std::make_shared<TestJob>();
  for (int f = 0; f < 3; ++f) {
    const std::string path = dir.path() + "/d" + std::to_string(f);
    fds.emplace_back(::open(path.c_str(), O_RDWR | O_CREAT | O_DIRECT | O_CLOEXEC, 0644));
    if (!fds.back().valid()) GTEST_SKIP() << "O_DIRECT refused here";
    ASSERT_EQ(::ftruncate(fds.back().get(), 1 << 20), 0);  // as the tails do: writes inside the file
    bufs.push_back(aligned(64 << 10, uint8_t('a' + f)));
    bufs.push_back(aligned(8 << 10, uint8_t('A' + f)));
    iovs[f] = {{bufs[bufs.size() - 2].get(), 64 << 10}, {bufs.back().get(), 8 << 10}};
    AioWriter::instance().add(*job, fds.back().get(), iovs[f], 4096);
  }
  EXPECT_EQ(finish(job), 0);
  for (int f = 0; f < 3; ++f) {
    auto got = file_bytes(dir.path() + "/d" + std::to_string(f));
    ASSERT_EQ(got.size(), size_t(1) << 20);
    EXPECT_EQ(got[4095], 0);
    EXPECT_EQ(got[4096], uint8_t('a' + f));
    EXPECT_EQ(got[4096 + (64 << 10) - 1], uint8_t('a' + f));
    EXPECT_EQ(got[4096 + (64 << 10)], uint8_t('A' + f));
    EXPECT_EQ(got[4096 + (72 << 10) - 1], uint8_t('A' + f));
    EXPECT_EQ(got[4096 + (72 << 10)], 0);
  }
}

TEST(AioWriterTest, AFailedWriteReportsItsErrnoToItsJobOnly) {
  test::TempDir dir;
  FileHandle good(::open((dir.path() + "/good").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(good.valid());
  FileHandle read_only(::open((dir.path() + "/good").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(read_only.valid());
  std::vector<uint8_t> a(5000, 'a'), b(3000, 'b');
  std::vector<iovec> ia{{a.data(), a.size()}}, ib{{b.data(), b.size()}};
  AioWriter& aio = AioWriter::instance();
  auto bad_job = std::make_shared<TestJob>(), good_job = std::make_shared<TestJob>();
  auto bad_done = bad_job->written.get_future(), good_done = good_job->written.get_future();
  aio.add(*bad_job, read_only.get(), ib, 0);
  aio.add(*good_job, good.get(), ia, 0);
  aio.submit();
  aio.release(bad_job);
  aio.release(good_job);
  ASSERT_EQ(bad_done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ASSERT_EQ(good_done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(bad_done.get(), EBADF);
  EXPECT_EQ(good_done.get(), 0);
  EXPECT_EQ(file_bytes(dir.path() + "/good"), a);
}

// Lazy jobs: nobody sleeps on their completions, so the submitter's
// reap_ready() or the lazy reaper's next look completes them.
std::future<int> submit_lazy(int fd, const std::vector<iovec>& iov) {
  auto job = std::make_shared<TestJob>();
  job->set_lazy();
  auto done = job->written.get_future();
  AioWriter& aio = AioWriter::instance();
  aio.add(*job, fd, iov, 0);
  aio.submit();
  aio.release(job);
  return done;
}

TEST(AioWriterTest, ALazyJobCompletesThroughReapReady) {
  test::TempDir dir;
  FileHandle fd(::open((dir.path() + "/lazy").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid());
  std::vector<uint8_t> data(20000, 'z');
  std::vector<iovec> iov{{data.data(), data.size()}};
  auto done = submit_lazy(fd.get(), iov);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (done.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline)
    AioWriter::instance().reap_ready();
  ASSERT_EQ(done.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(done.get(), 0);
  EXPECT_EQ(file_bytes(dir.path() + "/lazy"), data);
}

TEST(AioWriterTest, ALazyJobCompletesAfterTheLazyReaperParked) {
  test::TempDir dir;
  FileHandle fd(::open((dir.path() + "/parked").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid());
  // Nothing lazy in flight for longer than the reaper looks before parking.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::vector<uint8_t> data(5000, 'p');
  std::vector<iovec> iov{{data.data(), data.size()}};
  auto done = submit_lazy(fd.get(), iov);
  // Never reaped on this thread: the parked reaper must have been woken by submit().
  ASSERT_EQ(done.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(done.get(), 0);
  EXPECT_EQ(file_bytes(dir.path() + "/parked"), data);
}

TEST(AioWriterTest, AJobWithNothingAddedCompletesOnRelease) {
  auto job = std::make_shared<TestJob>();
  EXPECT_EQ(finish(job), 0);
}

}  // namespace
}  // namespace fjord::storage
