#include "storage/io/sync_batch.h"

#include <linux/aio_abi.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace fjord::storage {

namespace {

long io_setup(unsigned n, aio_context_t* ctx) { return ::syscall(SYS_io_setup, n, ctx); }
long io_destroy(aio_context_t ctx) { return ::syscall(SYS_io_destroy, ctx); }
long io_submit(aio_context_t ctx, long n, iocb** cbs) { return ::syscall(SYS_io_submit, ctx, n, cbs); }
long io_getevents(aio_context_t ctx, long min, long max, io_event* ev) {
  return ::syscall(SYS_io_getevents, ctx, min, max, ev, nullptr);
}

}  // namespace

SyncBatch& SyncBatch::for_this_thread() {
  thread_local SyncBatch batch;
  return batch;
}

SyncBatch::~SyncBatch() {
  if (context_ != 0) io_destroy(context_);
}

size_t SyncBatch::add(int fd) {
  fds_.push_back(fd);
  return fds_.size() - 1;
}

bool SyncBatch::ensure_context() {
  if (context_ != 0) return true;
  if (context_failed_) return false;
  aio_context_t ctx = 0;
  if (io_setup(kMaxInFlight, &ctx) != 0) {
    context_failed_ = true;  // e.g. fs.aio-max-nr reached: sync one by one from now on
    return false;
  }
  context_ = ctx;
  return true;
}

std::vector<int> SyncBatch::run() {
  std::vector<int> errors(fds_.size(), 0);
  std::vector<bool> done(fds_.size(), false);
  if (fds_.size() > 1 && ensure_context()) {
    for (size_t from = 0; from < fds_.size(); from += kMaxInFlight) {
      const size_t n = std::min(kMaxInFlight, fds_.size() - from);
      std::vector<iocb> cbs(n);
      std::vector<iocb*> ptrs(n);
      for (size_t i = 0; i < n; ++i) {
        cbs[i] = iocb{};
        cbs[i].aio_data = from + i;
        cbs[i].aio_fildes = uint32_t(fds_[from + i]);
        cbs[i].aio_lio_opcode = IOCB_CMD_FDSYNC;
        ptrs[i] = &cbs[i];
      }
      size_t submitted = 0;
      while (submitted < n) {
        const long k = io_submit(context_, long(n - submitted), ptrs.data() + submitted);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;  // EAGAIN and the like: the rest the synchronous way
        submitted += size_t(k);
      }
      submitted_async_ += submitted;
      std::vector<io_event> events(submitted);
      size_t reaped = 0;
      while (reaped < submitted) {
        const long k = io_getevents(context_, long(submitted - reaped), long(submitted - reaped), events.data() + reaped);
        if (k < 0) {
          if (errno == EINTR) continue;
          std::abort();  // cannot happen with a valid context
        }
        reaped += size_t(k);
      }
      for (size_t e = 0; e < submitted; ++e) {
        const size_t i = size_t(events[e].data);
        const int64_t res = events[e].res;
        done[i] = res >= 0 || (res != -EINTR && res != -EAGAIN);
        if (res < 0 && done[i]) errors[i] = int(-res);
      }
    }
  }
  for (size_t i = 0; i < fds_.size(); ++i)
    if (!done[i] && ::fdatasync(fds_[i]) != 0) errors[i] = errno ? errno : EIO;
  fds_.clear();
  return errors;
}

}  // namespace fjord::storage
