#include "storage/log/txn_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol/records/record_batch.h"

namespace fjord::storage {

using protocol::detail::load_be;
using protocol::detail::store_be;

void TxnIndex::encode(const AbortedTxn& t, uint8_t* out) {
  store_be(out, 0, 2);  // version
  store_be(out + 2, uint64_t(t.producer_id), 8);
  store_be(out + 10, uint64_t(t.first_offset), 8);
  store_be(out + 18, uint64_t(t.last_offset), 8);
  store_be(out + 26, uint64_t(t.last_stable_offset), 8);
}

AbortedTxn TxnIndex::decode(const uint8_t* in) {
  return AbortedTxn{int64_t(load_be(in + 2, 8)), int64_t(load_be(in + 10, 8)), int64_t(load_be(in + 18, 8)),
                    int64_t(load_be(in + 26, 8))};
}

Errc TxnIndex::open(const std::string& path) {
  path_ = path;
  entries_.clear();
  fd_ = FileHandle(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd_.valid()) return errno == ENOENT ? Errc::ok : Errc::io_error;
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return Errc::io_error;
  const size_t whole = size_t(st.st_size) / kEntrySize * kEntrySize;
  std::vector<uint8_t> bytes(whole);
  if (whole && ::pread(fd_.get(), bytes.data(), whole, 0) != ssize_t(whole)) return Errc::io_error;
  for (size_t at = 0; at < whole; at += kEntrySize)
    if (load_be(bytes.data() + at, 2) == 0) entries_.push_back(decode(bytes.data() + at));
  if (whole != size_t(st.st_size) && ::ftruncate(fd_.get(), off_t(whole)) != 0) return Errc::io_error;
  return Errc::ok;
}

Errc TxnIndex::append(const AbortedTxn& txn) {
  if (!fd_.valid()) {
    fd_ = FileHandle(::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd_.valid()) return Errc::io_error;
  }
  uint8_t bytes[kEntrySize];
  encode(txn, bytes);
  if (::pwrite(fd_.get(), bytes, kEntrySize, off_t(entries_.size() * kEntrySize)) != ssize_t(kEntrySize))
    return Errc::io_error;
  entries_.push_back(txn);
  dirty_ = true;
  return Errc::ok;
}

Errc TxnIndex::truncate_to(int64_t offset) {
  size_t keep = entries_.size();
  while (keep > 0 && entries_[keep - 1].last_offset >= offset) --keep;
  if (keep == entries_.size()) return Errc::ok;
  entries_.resize(keep);
  if (fd_.valid() && ::ftruncate(fd_.get(), off_t(keep * kEntrySize)) != 0) return Errc::io_error;
  dirty_ = true;
  return Errc::ok;
}

Errc TxnIndex::sync() {
  if (!dirty_ || !fd_.valid()) return Errc::ok;
  if (::fdatasync(fd_.get()) != 0) return Errc::io_error;
  dirty_ = false;
  return Errc::ok;
}

void TxnIndex::remove() { ::unlink(path_.c_str()); }

Errc TxnIndex::rename(const std::string& path) {
  if (fd_.valid() && ::rename(path_.c_str(), path.c_str()) != 0) return Errc::io_error;
  path_ = path;
  return Errc::ok;
}

bool TxnIndex::contains(int64_t producer_id, int64_t first_offset) const {
  for (const auto& e : entries_)
    if (e.producer_id == producer_id && e.first_offset == first_offset) return true;
  return false;
}

bool TxnIndex::collect(int64_t fetch_offset, int64_t upper_bound, std::vector<AbortedTxn>* out) const {
  for (const auto& e : entries_) {
    if (e.last_offset >= fetch_offset && e.first_offset < upper_bound) out->push_back(e);
    if (e.last_stable_offset >= upper_bound) return true;
  }
  return false;
}

}  // namespace fjord::storage
