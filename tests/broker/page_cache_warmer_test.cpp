// PageCacheWarmer: finds file slices the page cache does not hold, reads
// them in off the caller's thread and hands the response back unchanged.
#include "broker/net/page_cache_warmer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

namespace fjord::broker {
namespace {

namespace fs = std::filesystem;

// A file of `bytes` written to disk and dropped from the page cache.
class ColdFile {
 public:
  explicit ColdFile(size_t bytes) {
    path_ = (fs::temp_directory_path() / ("fjord-warmer-test-" + std::to_string(::getpid()))).string();
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    std::vector<char> data(bytes);
    for (size_t i = 0; i < bytes; ++i) data[i] = char('a' + i % 23);
    EXPECT_EQ(::pwrite(fd_, data.data(), bytes, 0), ssize_t(bytes));
    EXPECT_EQ(::fdatasync(fd_), 0);
    EXPECT_EQ(::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED), 0);
  }
  ~ColdFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  std::string path_;
  int fd_ = -1;
};

OutgoingResponse response_with(const protocol::FileSlice& slice) {
  OutgoingResponse r;
  r.data.raw("head", 4);
  r.data.file_slice(slice);
  r.data.raw("tail", 4);
  return r;
}

TEST(PageCacheWarmer, ReadsColdSlicesInAndHandsTheResponseBack) {
  ColdFile file(8 << 20);
  OutgoingResponse r = response_with({file.fd(), 4096, 6 << 20, nullptr});
  if (!PageCacheWarmer::needs_warming(r)) GTEST_SKIP() << "the page cache here does not drop pages (tmpfs?)";

  PageCacheWarmer warmer(2);
  std::promise<OutgoingResponse> back;
  const auto caller = std::this_thread::get_id();
  std::thread::id worker;
  warmer.warm(std::move(r), [&](OutgoingResponse done) {
    worker = std::this_thread::get_id();
    back.set_value(std::move(done));
  });
  auto f = back.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  OutgoingResponse warmed = f.get();
  EXPECT_NE(worker, caller) << "the disk was read on the caller's thread";
  ASSERT_EQ(warmed.data.splices().size(), 1u);
  EXPECT_EQ(warmed.data.splices()[0].slice.position, 4096u);
  EXPECT_EQ(warmed.data.splices()[0].slice.length, 6u << 20);
  EXPECT_EQ(warmed.data.buffer().size(), 8u);
  EXPECT_FALSE(PageCacheWarmer::needs_warming(warmed)) << "still not cached after warming";
}

TEST(PageCacheWarmer, MemorySlicesAndCachedFilesNeedNothing) {
  static const uint8_t bytes[16] = {};
  EXPECT_FALSE(PageCacheWarmer::needs_warming(response_with({-1, 0, sizeof(bytes), bytes})));
  ColdFile file(1 << 20);
  std::vector<char> buf(1 << 20);
  ASSERT_EQ(::pread(file.fd(), buf.data(), buf.size(), 0), ssize_t(buf.size()));  // now cached
  EXPECT_FALSE(PageCacheWarmer::needs_warming(response_with({file.fd(), 0, 1 << 20, nullptr})));
}

TEST(PageCacheWarmer, AfterStopNothingIsCalled) {
  ColdFile file(1 << 20);
  PageCacheWarmer warmer(1);
  warmer.stop();
  bool called = false;
  warmer.warm(response_with({file.fd(), 0, 1 << 20, nullptr}), [&](OutgoingResponse) { called = true; });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace fjord::broker
