#include "storage/write_batch.h"

#include <linux/aio_abi.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "storage/file_ops.h"

namespace fjord::storage {

namespace {

long io_setup(unsigned n, aio_context_t* ctx) { return ::syscall(SYS_io_setup, n, ctx); }
long io_destroy(aio_context_t ctx) { return ::syscall(SYS_io_destroy, ctx); }
long io_submit(aio_context_t ctx, long n, iocb** cbs) { return ::syscall(SYS_io_submit, ctx, n, cbs); }
long io_getevents(aio_context_t ctx, long min, long max, io_event* ev) {
  return ::syscall(SYS_io_getevents, ctx, min, max, ev, nullptr);
}

}  // namespace

WriteBatch& WriteBatch::for_this_thread() {
  thread_local WriteBatch batch;
  return batch;
}

WriteBatch::~WriteBatch() {
  if (context_ != 0) io_destroy(context_);
}

size_t WriteBatch::add(int fd, std::vector<iovec>* iov, uint64_t pos) {
  writes_.push_back({fd, iov, pos});
  return writes_.size() - 1;
}

size_t WriteBatch::add_sync(int fd) {
  writes_.push_back({fd, nullptr, 0});
  return writes_.size() - 1;
}

bool WriteBatch::ensure_context() {
  if (context_ != 0) return true;
  if (context_failed_) return false;
  aio_context_t ctx = 0;
  if (io_setup(kMaxInFlight, &ctx) != 0) {
    context_failed_ = true;  // e.g. fs.aio-max-nr reached: write one by one from now on
    return false;
  }
  context_ = ctx;
  return true;
}

std::vector<int> WriteBatch::run() {
  std::vector<int> errors(writes_.size(), 0);
  std::vector<Piece> pieces;
  for (size_t w = 0; w < writes_.size(); ++w) {
    if (writes_[w].iov == nullptr) {
      pieces.push_back(Piece{w, 0, 0, 0, 0});
      continue;
    }
    const auto& iov = *writes_[w].iov;
    uint64_t pos = writes_[w].pos;
    for (size_t first = 0; first < iov.size(); first += IOV_MAX) {
      Piece p{w, first, std::min<size_t>(iov.size() - first, IOV_MAX), pos, 0};
      for (size_t i = first; i < first + p.count; ++i) p.bytes += iov[i].iov_len;
      pos += p.bytes;
      pieces.push_back(p);
    }
  }
  if (pieces.size() > 1 && ensure_context()) {
    const std::span<const Piece> all(pieces);
    for (size_t from = 0; from < all.size(); from += kMaxInFlight)
      run_pieces(all.subspan(from, std::min(kMaxInFlight, all.size() - from)), errors);
  } else {
    for (const auto& p : pieces) finish_piece(p, 0, errors);
  }
  writes_.clear();
  return errors;
}

void WriteBatch::run_pieces(std::span<const Piece> pieces, std::vector<int>& errors) {
  std::vector<iocb> cbs(pieces.size());
  std::vector<iocb*> ptrs(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    const Piece& p = pieces[i];
    cbs[i] = iocb{};
    cbs[i].aio_data = i;
    cbs[i].aio_fildes = uint32_t(writes_[p.write].fd);
    if (writes_[p.write].iov == nullptr) {
      cbs[i].aio_lio_opcode = IOCB_CMD_FDSYNC;
    } else {
      cbs[i].aio_lio_opcode = IOCB_CMD_PWRITEV;
      cbs[i].aio_buf = reinterpret_cast<uint64_t>(writes_[p.write].iov->data() + p.first);
      cbs[i].aio_nbytes = p.count;
      cbs[i].aio_offset = int64_t(p.pos);
    }
    ptrs[i] = &cbs[i];
  }
  size_t submitted = 0;
  while (submitted < pieces.size()) {
    long n = io_submit(context_, long(pieces.size() - submitted), ptrs.data() + submitted);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN and the like: the rest goes the synchronous way
    submitted += size_t(n);
  }
  submitted_async_ += submitted;
  for (size_t i = submitted; i < pieces.size(); ++i) finish_piece(pieces[i], 0, errors);
  std::vector<io_event> events(submitted);
  size_t done = 0;
  while (done < submitted) {
    long n = io_getevents(context_, long(submitted - done), long(submitted - done), events.data() + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Cannot happen with a valid context; the writes' memory must not be
      // freed while the kernel may still use it.
      std::abort();
    }
    done += size_t(n);
  }
  for (size_t e = 0; e < submitted; ++e) {
    const Piece& p = pieces[events[e].data];
    const int64_t res = events[e].res;
    if (res < 0 && res != -EINTR && res != -EAGAIN) {
      if (errors[p.write] == 0) errors[p.write] = int(-res);
    } else if (res < 0 || uint64_t(res) < p.bytes) {
      finish_piece(p, uint64_t(std::max<int64_t>(res, 0)), errors);
    }
  }
}

void WriteBatch::finish_piece(const Piece& p, uint64_t done, std::vector<int>& errors) {
  if (errors[p.write] != 0) return;
  if (writes_[p.write].iov == nullptr) {
    if (::fdatasync(writes_[p.write].fd) != 0) errors[p.write] = errno ? errno : EIO;
    return;
  }
  const auto& all = *writes_[p.write].iov;
  const uint64_t pos = p.pos + done;
  std::vector<iovec> rest(all.begin() + long(p.first), all.begin() + long(p.first + p.count));
  size_t i = 0;
  while (i < rest.size() && done >= rest[i].iov_len) done -= rest[i++].iov_len;
  rest.erase(rest.begin(), rest.begin() + long(i));
  if (!rest.empty()) {
    rest[0].iov_base = static_cast<uint8_t*>(rest[0].iov_base) + done;
    rest[0].iov_len -= done;
  }
  if (!rest.empty() && !pwritev_all(writes_[p.write].fd, rest, pos)) errors[p.write] = errno ? errno : EIO;
}

}  // namespace fjord::storage
