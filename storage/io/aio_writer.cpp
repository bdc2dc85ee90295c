#include "storage/io/aio_writer.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <thread>

#include "storage/file_ops.h"

namespace fjord::storage {

namespace {

long io_setup(unsigned n, aio_context_t* ctx) { return ::syscall(SYS_io_setup, n, ctx); }
long io_submit(aio_context_t ctx, long n, iocb** cbs) { return ::syscall(SYS_io_submit, ctx, n, cbs); }
long io_getevents(aio_context_t ctx, long min, long max, io_event* ev, timespec* timeout = nullptr) {
  return ::syscall(SYS_io_getevents, ctx, min, max, ev, timeout);
}

// The head of the completion ring the kernel maps at a context's address
// (fs/aio.c): reading head and tail tells whether io_getevents would find
// anything, without the syscall.
struct AioRingHeader {
  unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
};
constexpr unsigned kAioRingMagic = 0xa10a10a1;

bool ring_may_have_events(aio_context_t ctx) {
  const auto* ring = reinterpret_cast<const AioRingHeader*>(ctx);
  if (__atomic_load_n(&ring->magic, __ATOMIC_RELAXED) != kAioRingMagic) return true;  // ask the kernel
  return __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE) != __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
}

}  // namespace

namespace {
std::mutex g_mu;
AioWriter* g_writer = nullptr;
}  // namespace

AioWriter& AioWriter::instance() {
  // Never destroyed: its thread serves writes until the process ends, and
  // logs wait for their own writes before they close. A forked child has
  // neither the thread nor the context (AIO contexts are not inherited), so
  // it starts its own.
  static const bool registered = [] {
    ::pthread_atfork([] { g_mu.lock(); }, [] { g_mu.unlock(); },
                     [] {
                       g_writer = nullptr;
                       g_mu.unlock();
                     });
    return true;
  }();
  (void)registered;
  std::lock_guard lk(g_mu);
  if (!g_writer) g_writer = new AioWriter();
  return *g_writer;
}

AioWriter::AioWriter() {
  aio_context_t ctx = 0;
  if (io_setup(kMaxInFlight, &ctx) != 0) return;  // e.g. fs.aio-max-nr reached: synchronous writes
  context_ = ctx;
  aio_context_t lazy = 0;
  if (io_setup(kMaxInFlight, &lazy) == 0) lazy_context_ = lazy;  // else lazy jobs share context_
  // Both contexts are set before either thread starts (finish_events reads them).
  std::thread([this] {
    pthread_setname_np(pthread_self(), "fj-aioreap");
    reap();
  }).detach();
  if (lazy_context_ == 0) return;
  std::thread([this] {
    pthread_setname_np(pthread_self(), "fj-aiolazy");
    reap_lazy();
  }).detach();
}

namespace {
thread_local std::vector<iocb*> t_queued;
thread_local std::vector<iocb*> t_queued_lazy;
}  // namespace

void AioWriter::add(Job& job, int fd, const std::vector<iovec>& iov, uint64_t pos) {
  // One request per IOV_MAX iovecs, in order.
  for (size_t first = 0; first < iov.size(); first += IOV_MAX) {
    Job::Piece& p = job.pieces_.emplace_back();
    p.job = &job;
    p.fd = fd;
    p.iov = iov.data() + first;
    p.count = std::min<size_t>(iov.size() - first, IOV_MAX);
    p.pos = pos;
    p.bytes = 0;
    for (size_t i = 0; i < p.count; ++i) p.bytes += p.iov[i].iov_len;
    pos += p.bytes;
    p.cb = iocb{};
    p.cb.aio_data = reinterpret_cast<uint64_t>(&p);
    p.cb.aio_fildes = uint32_t(fd);
    p.cb.aio_lio_opcode = IOCB_CMD_PWRITEV;
    p.cb.aio_buf = reinterpret_cast<uint64_t>(p.iov);
    p.cb.aio_nbytes = p.count;
    p.cb.aio_offset = int64_t(p.pos);
    job.remaining_.fetch_add(1, std::memory_order_relaxed);
    (job.lazy_ && lazy_context_ != 0 ? t_queued_lazy : t_queued).push_back(&p.cb);
  }
}

void AioWriter::submit() {
  if (!t_queued_lazy.empty()) {
    const uint64_t n = t_queued_lazy.size();
    // Counted before the kernel can complete them (finish_events subtracts).
    lazy_in_flight_.fetch_add(n);
    if (lazy_parked_.load()) {
      std::lock_guard lk(lazy_mu_);
      lazy_cv_.notify_one();
    }
    submit_queued(lazy_context_, t_queued_lazy);
  }
  submit_queued(context_, t_queued);
}

void AioWriter::submit_queued(aio_context_t ctx, std::vector<iocb*>& queued) {
  size_t done = 0;
  while (ctx != 0 && done < queued.size()) {
    const long n = io_submit(ctx, long(queued.size() - done), queued.data() + done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN (more than kMaxInFlight in flight) and the like: written below
    done += size_t(n);
    submitted_async_.fetch_add(uint64_t(n), std::memory_order_relaxed);
  }
  if (ctx != 0 && ctx == lazy_context_ && done < queued.size()) lazy_in_flight_.fetch_sub(queued.size() - done);
  for (size_t i = done; i < queued.size(); ++i) {
    auto* p = reinterpret_cast<Job::Piece*>(queued[i]->aio_data);
    finish_synchronously(*p, 0);
    complete(p->job);
  }
  queued.clear();
}

void AioWriter::reap_ready() {
  if (lazy_context_ == 0 || lazy_in_flight_.load(std::memory_order_relaxed) == 0) return;
  if (!ring_may_have_events(lazy_context_)) return;
  io_event events[256];
  timespec now{0, 0};
  const long n = io_getevents(lazy_context_, 0, 256, events, &now);
  if (n > 0) finish_events(events, n);
}

void AioWriter::release(const std::shared_ptr<Job>& job) {
  job->self_ = job;
  complete(job.get());
}

void AioWriter::complete(Job* job) {
  if (job->remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::shared_ptr<Job> keep = std::move(job->self_);
  keep->on_written(job->error_.load(std::memory_order_relaxed));
}

void AioWriter::finish_synchronously(Job::Piece& p, uint64_t done) {
  if (p.job->error_.load(std::memory_order_relaxed) != 0) return;
  const uint64_t at = p.pos + done;
  std::vector<iovec> rest(p.iov, p.iov + p.count);
  size_t i = 0;
  while (i < rest.size() && done >= rest[i].iov_len) done -= rest[i++].iov_len;
  rest.erase(rest.begin(), rest.begin() + long(i));
  if (!rest.empty()) {
    rest[0].iov_base = static_cast<uint8_t*>(rest[0].iov_base) + done;
    rest[0].iov_len -= done;
  }
  if (!rest.empty() && !pwritev_all(p.fd, rest, at)) {
    int expected = 0;
    p.job->error_.compare_exchange_strong(expected, errno ? errno : EIO);
  }
}

void AioWriter::reap() {
  std::vector<io_event> events(256);
  for (;;) {
    const long n = io_getevents(context_, 1, long(events.size()), events.data());
    if (n < 0) {
      if (errno == EINTR) continue;
      // Cannot happen with a valid context; the writes' memory must not be
      // freed while the kernel may still use it.
      std::abort();
    }
    finish_events(events.data(), n);
  }
}

void AioWriter::reap_lazy() {
  // Looks every kLazyPeriodMs instead of sleeping in io_getevents, which
  // every completion would wake; parks after a second with nothing in flight.
  constexpr int kIdleLooksBeforeParking = 1000 / kLazyPeriodMs;
  int idle_looks = 0;
  for (;;) {
    if (lazy_in_flight_.load() == 0 && ++idle_looks >= kIdleLooksBeforeParking) {
      std::unique_lock lk(lazy_mu_);
      lazy_parked_.store(true);
      lazy_cv_.wait(lk, [this] { return lazy_in_flight_.load() != 0; });
      lazy_parked_.store(false);
    }
    if (lazy_in_flight_.load() != 0) idle_looks = 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(kLazyPeriodMs));
    reap_ready();
  }
}

void AioWriter::finish_events(const io_event* events, long n) {
  for (long e = 0; e < n; ++e) {
    auto* p = reinterpret_cast<Job::Piece*>(events[e].data);
    const int64_t res = events[e].res;
    if (p->job->lazy_ && lazy_context_ != 0) lazy_in_flight_.fetch_sub(1);
    if (res < 0 && res != -EINTR && res != -EAGAIN) {
      int expected = 0;
      p->job->error_.compare_exchange_strong(expected, int(-res));
    } else if (res < 0 || uint64_t(res) < p->bytes) {
      finish_synchronously(*p, uint64_t(std::max<int64_t>(res, 0)));
    }
    complete(p->job);
  }
}

}  // namespace fjord::storage
