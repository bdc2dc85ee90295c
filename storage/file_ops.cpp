#include "storage/file_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>

namespace fjord::storage {

FileHandle::~FileHandle() { reset(); }

FileHandle& FileHandle::operator=(FileHandle&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

void FileHandle::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool pwrite_all(int fd, const void* data, size_t n, uint64_t pos) {
  auto p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(pos));
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (w == 0) { errno = EIO; return false; }
    p += w;
    n -= static_cast<size_t>(w);
    pos += static_cast<uint64_t>(w);
  }
  return true;
}

bool pwritev_all(int fd, std::vector<iovec>& iov, uint64_t pos) {
  size_t i = 0;
  while (i < iov.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - i, IOV_MAX));
    ssize_t w = ::pwritev(fd, iov.data() + i, count, static_cast<off_t>(pos));
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (w == 0) { errno = EIO; return false; }
    pos += static_cast<uint64_t>(w);
    size_t left = static_cast<size_t>(w);
    while (i < iov.size() && left >= iov[i].iov_len) left -= iov[i++].iov_len;
    if (left > 0) {
      iov[i].iov_base = static_cast<uint8_t*>(iov[i].iov_base) + left;
      iov[i].iov_len -= left;
    }
  }
  return true;
}

bool pread_all(int fd, void* data, size_t n, uint64_t pos) {
  auto p = static_cast<uint8_t*>(data);
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(pos));
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (r == 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
    pos += static_cast<uint64_t>(r);
  }
  return true;
}

bool fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

Errc write_file_atomic(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  FileHandle f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!f.valid()) return Errc::io_error;
  if (!pwrite_all(f.get(), content.data(), content.size(), 0) || ::fsync(f.get()) != 0) {
    ::unlink(tmp.c_str());
    return Errc::io_error;
  }
  f.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errc::io_error;
  auto slash = path.find_last_of('/');
  if (!fsync_dir(slash == std::string::npos ? "." : path.substr(0, slash))) return Errc::io_error;
  return Errc::ok;
}

bool read_small_file(const std::string& path, std::string* out) {
  FileHandle f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f.valid()) return false;
  out->clear();
  char buf[4096];
  for (;;) {
    ssize_t r = ::read(f.get(), buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (r == 0) return true;
    out->append(buf, static_cast<size_t>(r));
    if (out->size() > (64u << 20)) return false;  // metadata files are small; refuse junk
  }
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string offset_file_name(int64_t offset, const char* suffix) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%020lld%s", static_cast<long long>(offset), suffix);
  return buf;
}

}  // namespace fjord::storage
