#include "storage/log/mapped_index.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace fjord::storage {

MappedIndex::~MappedIndex() { close(); }

void MappedIndex::close() {
  unmap();
  fd_.reset();
  entries_ = capacity_ = 0;
}

void MappedIndex::unmap() {
  if (map_) ::munmap(map_, map_bytes_);
  map_ = nullptr;
  map_bytes_ = 0;
}

Errc MappedIndex::map(size_t bytes) {
  unmap();
  if (bytes == 0) return Errc::ok;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED) return Errc::io_error;
  // The preallocated tail is a hole. Without this, the first write fault
  // reads around it (read_ahead_kb, often MBs) and zero-fills that much page
  // cache; with thousands of active indexes under memory pressure those clean
  // zero pages are evicted and re-faulted, and the network threads spend
  // their time in memset (1000 partitions x 100 producers: seconds-long acks).
  // Index access is binary search and appends: random, one page at a time.
  (void)::madvise(p, bytes, MADV_RANDOM);
  map_ = static_cast<uint8_t*>(p);
  map_bytes_ = bytes;
  return Errc::ok;
}

Errc MappedIndex::open(const std::string& path, size_t entry_size, size_t capacity_bytes) {
  close();
  path_ = path;
  entry_size_ = entry_size;
  fd_ = FileHandle(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_.valid()) return Errc::io_error;
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return Errc::io_error;
  entries_ = static_cast<size_t>(st.st_size) / entry_size_;
  return resize(capacity_bytes);
}

Errc MappedIndex::resize(size_t capacity_bytes) {
  size_t want = capacity_bytes / entry_size_;
  if (want < entries_) want = entries_;
  unmap();
  if (::ftruncate(fd_.get(), static_cast<off_t>(want * entry_size_)) != 0) return Errc::io_error;
  capacity_ = want;
  return map(want * entry_size_);
}

bool MappedIndex::append(const uint8_t* bytes) {
  if (full()) return false;
  std::memcpy(map_ + entries_ * entry_size_, bytes, entry_size_);
  ++entries_;
  return true;
}

Errc MappedIndex::sync() {
  if (map_ && ::msync(map_, map_bytes_, MS_SYNC) != 0) return Errc::io_error;
  return Errc::ok;
}

}  // namespace fjord::storage
