#pragma once
// Thin POSIX file helpers: an owning fd, full-length pread/pwrite loops and
// the atomic write-then-rename used for small metadata files.
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/errc.h"

namespace fjord::storage {

class FileHandle {
 public:
  FileHandle() = default;
  explicit FileHandle(int fd) : fd_(fd) {}
  ~FileHandle();
  FileHandle(FileHandle&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileHandle& operator=(FileHandle&& o) noexcept;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// Writes all of [data, data+n) at `pos`; false on error (errno kept).
bool pwrite_all(int fd, const void* data, size_t n, uint64_t pos);
// pwritev until every iovec is written (iov is consumed); false on error.
bool pwritev_all(int fd, std::vector<iovec>& iov, uint64_t pos);
// Reads exactly n bytes at pos; false on error or short file.
bool pread_all(int fd, void* data, size_t n, uint64_t pos);
// fsync of a directory so renames/creates/unlinks inside it are durable.
bool fsync_dir(const std::string& dir);
// Writes `content` to path.tmp, fsyncs, renames over `path`, fsyncs the dir.
Errc write_file_atomic(const std::string& path, std::string_view content);
// Whole small file; false when missing or unreadable.
bool read_small_file(const std::string& path, std::string* out);
bool file_exists(const std::string& path);
// 20-digit zero-padded offset, Kafka's segment file naming.
std::string offset_file_name(int64_t offset, const char* suffix);

}  // namespace fjord::storage
