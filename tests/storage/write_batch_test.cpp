// WriteBatch: writes to several files in flight at once land byte for byte,
// including O_DIRECT writes and writes of more iovecs than one request takes,
// and a failed write reports its errno without stopping the others; the
// same for fdatasyncs.
#include "storage/write_batch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
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

TEST(WriteBatchTest, WritesToSeveralFilesLandWhole) {
  test::TempDir dir;
  WriteBatch batch;
  constexpr int kFiles = 6;
  std::vector<FileHandle> fds;
  std::vector<std::vector<uint8_t>> data(kFiles);
  std::vector<std::vector<iovec>> iovs(kFiles);
  std::vector<size_t> index(kFiles);
  for (int f = 0; f < kFiles; ++f) {
    fds.emplace_back(::open((dir.path() + "/f" + std::to_string(f)).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(fds.back().valid());
    data[f].resize(10000 + size_t(f) * 3001);
    for (size_t i = 0; i < data[f].size(); ++i) data[f][i] = uint8_t(i * 7 + size_t(f));
    // Uneven pieces, written at an offset.
    for (size_t at = 0; at < data[f].size(); at += 1000 + size_t(f))
      iovs[f].push_back({data[f].data() + at, std::min<size_t>(1000 + size_t(f), data[f].size() - at)});
    index[f] = batch.add(fds.back().get(), &iovs[f], 512);
  }
  const auto errors = batch.run();
  ASSERT_EQ(errors.size(), size_t(kFiles));
  EXPECT_EQ(batch.submitted_async(), uint64_t(kFiles)) << "the writes did not go out together";
  for (int f = 0; f < kFiles; ++f) {
    EXPECT_EQ(errors[index[f]], 0);
    auto got = file_bytes(dir.path() + "/f" + std::to_string(f));
    ASSERT_EQ(got.size(), 512 + data[f].size());
    EXPECT_TRUE(std::equal(data[f].begin(), data[f].end(), got.begin() + 512)) << "file " << f;
  }
  // The batch is reusable and empty after a run.
  EXPECT_TRUE(batch.run().empty());
}

TEST(WriteBatchTest, MoreIovecsThanOneRequestTakesAreSplitInOrder) {
  test::TempDir dir;
  FileHandle fd(::open((dir.path() + "/big").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid());
  std::vector<uint8_t> data(size_t(IOV_MAX) * 5 / 2 * 3);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i % 251);
  std::vector<iovec> iov;
  for (size_t at = 0; at < data.size(); at += 3) iov.push_back({data.data() + at, 3});
  WriteBatch batch;
  batch.add(fd.get(), &iov, 0);
  const auto errors = batch.run();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], 0);
  EXPECT_EQ(batch.submitted_async(), 3u) << "one write of 2.5 x IOV_MAX iovecs is three requests";
  EXPECT_EQ(file_bytes(dir.path() + "/big"), data);
}

TEST(WriteBatchTest, DirectWritesLandWhole) {
  test::TempDir dir;
  WriteBatch batch;
  std::vector<FileHandle> fds;
  std::vector<AlignedBytes> bufs;
  std::vector<std::vector<iovec>> iovs(3);
  for (int f = 0; f < 3; ++f) {
    const std::string path = dir.path() + "/d" + std::to_string(f);
    fds.emplace_back(::open(path.c_str(), O_RDWR | O_CREAT | O_DIRECT | O_CLOEXEC, 0644));
    if (!fds.back().valid()) GTEST_SKIP() << "O_DIRECT refused here";
    ASSERT_EQ(::ftruncate(fds.back().get(), 1 << 20), 0);  // as the tails do: writes inside the file
    bufs.push_back(aligned(64 << 10, uint8_t('a' + f)));
    bufs.push_back(aligned(8 << 10, uint8_t('A' + f)));
    iovs[f] = {{bufs[bufs.size() - 2].get(), 64 << 10}, {bufs.back().get(), 8 << 10}};
    batch.add(fds.back().get(), &iovs[f], 4096);
  }
  for (int e : batch.run()) EXPECT_EQ(e, 0);
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

TEST(WriteBatchTest, AFailedWriteReportsItsErrnoAndTheOthersLand) {
  test::TempDir dir;
  FileHandle good(::open((dir.path() + "/good").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(good.valid());
  FileHandle read_only(::open((dir.path() + "/good").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(read_only.valid());
  std::vector<uint8_t> a(5000, 'a'), b(3000, 'b');
  std::vector<iovec> ia{{a.data(), a.size()}}, ib{{b.data(), b.size()}};
  WriteBatch batch;
  const size_t bad = batch.add(read_only.get(), &ib, 0);
  const size_t ok = batch.add(good.get(), &ia, 0);
  const auto errors = batch.run();
  EXPECT_EQ(errors[bad], EBADF);
  EXPECT_EQ(errors[ok], 0);
  EXPECT_EQ(file_bytes(dir.path() + "/good"), a);
}

TEST(WriteBatchTest, SyncsRunTogetherAndAFailedOneReportsItsErrno) {
  test::TempDir dir;
  std::vector<FileHandle> files;
  std::vector<uint8_t> data(4096, 'x');
  std::vector<iovec> iov{{data.data(), data.size()}};
  WriteBatch batch;
  for (int f = 0; f < 3; ++f) {
    files.emplace_back(::open((dir.path() + "/s" + std::to_string(f)).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(files.back().valid());
    batch.add(files.back().get(), &iov, 0);
  }
  for (int e : batch.run()) EXPECT_EQ(e, 0);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  FileHandle pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);
  std::vector<size_t> good;
  for (auto& f : files) good.push_back(batch.add_sync(f.get()));
  const size_t bad = batch.add_sync(pipe_write.get());  // a pipe cannot be synced
  const auto errors = batch.run();
  ASSERT_EQ(errors.size(), 4u);
  for (size_t i : good) EXPECT_EQ(errors[i], 0);
  EXPECT_EQ(errors[bad], EINVAL);
  for (int f = 0; f < 3; ++f) EXPECT_EQ(file_bytes(dir.path() + "/s" + std::to_string(f)), data);
}

}  // namespace
}  // namespace fjord::storage
