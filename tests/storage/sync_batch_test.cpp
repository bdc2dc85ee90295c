// SyncBatch: fdatasyncs of several files go out together, and a failed one
// reports its errno without stopping the others.
#include "storage/io/sync_batch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "storage/file_ops.h"
#include "test_support.h"

namespace fjord::storage {
namespace {

TEST(SyncBatchTest, SyncsRunTogetherAndAFailedOneReportsItsErrno) {
  test::TempDir dir;
  std::vector<FileHandle> files;
  std::vector<uint8_t> data(4096, 'x');
  for (int f = 0; f < 3; ++f) {
    files.emplace_back(::open((dir.path() + "/s" + std::to_string(f)).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(files.back().valid());
    ASSERT_TRUE(pwrite_all(files.back().get(), data.data(), data.size(), 0));
  }
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  FileHandle pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);
  SyncBatch batch;
  std::vector<size_t> good;
  for (auto& f : files) good.push_back(batch.add(f.get()));
  const size_t bad = batch.add(pipe_write.get());  // a pipe cannot be synced
  const auto errors = batch.run();
  ASSERT_EQ(errors.size(), 4u);
  for (size_t i : good) EXPECT_EQ(errors[i], 0);
  EXPECT_EQ(errors[bad], EINVAL);
  // The pipe's is refused at io_submit and done the synchronous way.
  EXPECT_EQ(batch.submitted_async(), 3u) << "the syncs did not go out together";
  // The batch is reusable and empty after a run.
  EXPECT_TRUE(batch.run().empty());
}

}  // namespace
}  // namespace fjord::storage
