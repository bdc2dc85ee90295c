#include "storage/io/write_pipeline.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iterator>

#include <spdlog/spdlog.h>

#include "protocol/records/record_batch.h"
#include "storage/file_ops.h"
#include "storage/io/aio_writer.h"
#include "storage/io/flusher.h"
#include "storage/io/page_cache_trimmer.h"
#include "storage/io/segment_tail.h"
#include "storage/io/tail_writer.h"
#include "storage/log/partition_log.h"
#include "storage/log/segment.h"

namespace fjord::storage {

namespace {
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

WritePipeline::WritePipeline(PartitionLog& log, Flusher* flusher) : log_(log), flusher_(flusher) {}

WritePipeline::~WritePipeline() = default;

std::shared_ptr<WritePipeline> WritePipeline::shared() { return {log_.shared_from_this(), this}; }

const std::string& WritePipeline::topic() const { return log_.topic(); }
int32_t WritePipeline::partition() const { return log_.partition(); }
const std::string& WritePipeline::dir() const { return log_.dir(); }

void WritePipeline::loaded_locked(int64_t now_ms) {
  durable_end_ = log_.log_end_;  // recovered tails were fdatasync'ed
  last_flush_ms_ = now_ms;
}

void WritePipeline::appended_locked(uint64_t bytes, const protocol::RecordBatchView& batch, Segment& active) {
  appended_since_trim_ += bytes;
  if (trimmer_ && !trim_queued_ && appended_since_trim_ >= PageCacheTrimmer::kStepBytes) {
    trim_queued_ = true;
    trimmer_->schedule(shared());
  }
  // Durable mode: only big writes ahead of the flusher (small direct writes
  // cost more CPU per byte than they save the flusher's round).
  const bool durable = log_.config_.durable_mode();
  if (tails_ && (!durable || active.tail()->end() - active.tail()->on_disk() >= kWriteAheadBytes))
    schedule_tail_write_locked();
  if (durable) {
    schedule_flush_locked();
  } else {
    unflushed_messages_ += std::max(batch.record_count(), 1);
    if (log_.config_.flush_messages && unflushed_messages_ >= *log_.config_.flush_messages) schedule_flush_locked();
    log_.publish_hw_locked();
  }
}

void WritePipeline::config_changed_locked() {
  if (log_.config_.durable_mode() && durable_end_ < log_.log_end_) schedule_flush_locked();
  if (!log_.config_.durable_mode() && tails_ && written_end_ < log_.log_end_) schedule_tail_write_locked();
}

void WritePipeline::truncated_locked() {
  durable_end_ = std::min(durable_end_, log_.log_end_);
  written_end_ = std::min(written_end_, log_.log_end_);
  completed_end_ = std::min(completed_end_, log_.log_end_);
}

void WritePipeline::schedule_flush_locked() {
  if (flush_queued_ || !flusher_ || log_.closed_) return;  // the flusher may be gone after close
  flush_queued_ = true;
  flusher_->schedule(shared());
}

void WritePipeline::schedule_tail_write_locked() {
  if (write_queued_ || !tail_writer_ || log_.closed_) return;
  write_queued_ = true;
  // Page-cache rounds may run on the appending thread; durable ones are
  // waited for by the flusher, so never there.
  tail_writer_->schedule(shared(), !log_.config_.durable_mode());
}

Errc WritePipeline::use_tails(TailWriter* writer) {
  std::lock_guard wl(write_mu_);
  std::lock_guard lk(log_.mu_);
  if (tails_) return Errc::ok;
  Errc e = log_.segments_.rbegin()->second->enable_tail();
  if (e != Errc::ok) return e;
  tails_ = true;
  tail_writer_ = writer;
  written_end_ = completed_end_ = log_.log_end_;
  log_.publish_hw_locked();
  return Errc::ok;
}

void WritePipeline::set_page_cache_trimmer(PageCacheTrimmer* trimmer) {
  std::lock_guard lk(log_.mu_);
  trimmer_ = trimmer;
}

void WritePipeline::release_idle_tail() {
  std::lock_guard lk(log_.mu_);
  if (!tails_ || log_.segments_.empty()) return;
  if (SegmentTail* t = log_.segments_.rbegin()->second->tail()) t->release_if_idle();
}

struct WritePipeline::TailRound : AioWriter::Job {
  struct Planned {
    std::shared_ptr<Segment> seg;
    SegmentTail* tail;
    TailWrite write;
  };
  std::shared_ptr<WritePipeline> pipeline;
  std::vector<Planned> plans;
  int64_t target = 0;
  bool done = false;
  int error = 0;

 protected:
  void on_written(int err) override { pipeline->tail_round_written(this, err); }
};

int64_t WritePipeline::write_tails() {
  const int64_t target = submit_tail_writes();
  return target < 0 ? -1 : wait_for_tail_writes(target);
}

int64_t WritePipeline::submit_tail_writes() {
  TailSubmit job;
  begin_tail_submit(job);
  AioWriter::instance().submit();
  const int64_t result = end_tail_submit(job);
  job.answer();
  return result;
}

void WritePipeline::TailSubmit::answer() {
  auto waiters = std::move(ready);
  ready.clear();
  for (auto& w : waiters) w.second(ready_ok);
}

void WritePipeline::begin_tail_submit(TailSubmit& job, bool lazy) {
  job.write_lock = std::unique_lock(write_mu_);
  {
    std::unique_lock lk(log_.mu_);
    write_queued_ = false;
    if (!tails_) {
      job.result = log_.log_end_;
      return;
    }
    const bool durable = log_.config_.durable_mode();
    if (write_error_ != 0) {
      job.result = -1;
      return;
    }
    // Only the newest segments can have tails.
    auto& round = job.round;
    for (auto it = log_.segments_.rbegin(); it != log_.segments_.rend() && it->second->tail(); ++it) {
      SegmentTail* t = it->second->tail();
      if (!t->unsubmitted()) continue;
      if (!round) round = std::make_shared<TailRound>();
      auto& p = round->plans.emplace_back(TailRound::Planned{it->second, t, {}});
      // A small durable write (the Flusher's, whose fdatasync follows at
      // once) goes all through the page cache: the fdatasync writes it with
      // the journal commit, one device round trip instead of a direct write's
      // and then the sync's.
      t->plan_write(&p.write, durable && t->unsubmitted_bytes() < kSyncedThroughCacheBytes);
    }
    if (!round) {
      job.result = written_end_;
      return;
    }
    round->pipeline = shared();
    round->target = log_.log_end_;
    if (lazy && !durable) round->set_lazy();
    rounds_.push_back(round);
  }
  // Outside the partition lock: appends and reads go on meanwhile.
  for (auto& p : job.round->plans) {
    if (!p.tail->prepare(p.write) || !p.tail->write_buffered(p.write)) {
      job.err = errno ? errno : EIO;
      break;
    }
    if (!p.write.iov.empty()) AioWriter::instance().add(*job.round, p.tail->write_fd(), p.write.iov, p.write.file_pos);
  }
}

int64_t WritePipeline::end_tail_submit(TailSubmit& job) {
  if (!job.round) {
    job.write_lock.unlock();
    return job.result;
  }
  bool ok = job.err == 0;
  {
    std::lock_guard lk(log_.mu_);
    if (ok && write_error_ == 0) {
      for (auto& p : job.round->plans) p.tail->mark_submitted(p.write);
      written_end_ = std::max(written_end_, std::min(job.round->target, log_.log_end_));
      log_.publish_hw_locked();
      if (!log_.config_.durable_mode()) job.ready = take_waiters_locked(written_end_, false);
    } else {
      ok = false;
      job.ready = fail_writes_locked(job.err ? job.err : write_error_);
    }
  }
  job.ready_ok = ok;
  job.write_lock.unlock();
  // The round completes (tail_round_written) only after this: never before its submission is recorded.
  AioWriter::instance().release(job.round);
  return ok ? job.round->target : -1;
}

int64_t WritePipeline::wait_for_tail_writes(int64_t target) {
  std::unique_lock lk(log_.mu_);
  if (!tails_) return target;
  // A truncation may cut below `target` meanwhile.
  rounds_done_.wait(lk, [&] { return write_error_ != 0 || completed_end_ >= std::min(target, log_.log_end_); });
  return write_error_ != 0 ? -1 : target;
}

void WritePipeline::tail_round_written(TailRound* round, int err) {
  // The rounds let go below may hold the last reference to the log.
  const std::shared_ptr<WritePipeline> self = shared();
  std::vector<Waiter> failed;
  std::deque<std::shared_ptr<TailRound>> finished;  // unpinned outside the lock
  {
    std::lock_guard lk(log_.mu_);
    round->done = true;
    round->error = err;
    // In plan order: a tail's bytes are in the file up to a point only when
    // every earlier write is complete too.
    while (!rounds_.empty() && rounds_.front()->done) {
      TailRound& r = *rounds_.front();
      if (r.error != 0 && write_error_ == 0) failed = fail_writes_locked(r.error);
      if (write_error_ == 0) {
        for (auto& p : r.plans) {
          p.tail->finish_write(p.write, true);
          // A rolled segment's tail goes once it is all in the file.
          if (p.seg->drop_tail_if_written() != Errc::ok) {
            failed = fail_writes_locked(errno ? errno : EIO);
            break;
          }
        }
        if (write_error_ == 0) completed_end_ = std::max(completed_end_, std::min(r.target, log_.log_end_));
      }
      finished.push_back(std::move(rounds_.front()));
      rounds_.pop_front();
    }
  }
  rounds_done_.notify_all();
  for (auto& w : failed) w.second(false);
}

void WritePipeline::wait_for_rounds_locked(std::unique_lock<std::mutex>& lk) {
  rounds_done_.wait(lk, [&] { return rounds_.empty(); });
}

std::vector<WritePipeline::Waiter> WritePipeline::fail_writes_locked(int err) {
  if (write_error_ == 0) {
    write_error_ = err;
    spdlog::error("storage: {}-{}: writing the log failed: {}; the partition takes no more appends until the "
                  "broker restarts",
                  log_.topic_, log_.partition_, strerror(err));
  }
  // Every waiter fails in both modes (durable ones would otherwise wait for
  // a sync that cannot cover them).
  return take_waiters_locked(0, true);
}

void WritePipeline::trim_page_cache(uint64_t window) {
  struct Range {
    std::string path;
    uint64_t write_from, write_to, drop_from, drop_to;
  };
  std::vector<Range> work;
  {
    std::lock_guard lk(log_.mu_);
    trim_queued_ = false;
    appended_since_trim_ = 0;
    if (log_.closed_) return;
    const uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
    uint64_t behind = 0;  // bytes between the end of this segment and the log end
    for (auto it = log_.segments_.rbegin(); it != log_.segments_.rend(); ++it) {
      Segment& seg = *it->second;
      Segment::CacheCursor& c = seg.cache_cursor();
      const bool active = it == log_.segments_.rbegin();
      const uint64_t size = seg.size();
      // A truncation may have cut below the cursors.
      c.written_back = std::min(c.written_back, size);
      c.dropped = std::min(c.dropped, (size + page - 1) / page * page);
      // Older segments were fully evicted by earlier passes.
      if (!active && c.dropped >= size && c.written_back >= size) break;
      const uint64_t keep = window > behind ? window - behind : 0;  // bytes to keep at this segment's end
      uint64_t drop_to = keep == 0 && !active ? (size + page - 1) / page * page
                                              : (size > keep ? (size - keep) / page * page : 0);
      // The active segment's last partial page is still being appended to:
      // writing it back now would only write it again.
      const uint64_t write_to = active ? std::max(c.written_back, size / page * page) : size;
      Range r{seg.log_path(), c.written_back, write_to, c.dropped, std::max(c.dropped, drop_to)};
      if (r.write_to > r.write_from || r.drop_to > r.drop_from) {
        // Our own header-reading mapping would pin the pages otherwise.
        seg.unmap_pages(r.drop_from, r.drop_to);
        c.written_back = r.write_to;
        c.dropped = r.drop_to;
        work.push_back(std::move(r));
      }
      behind += size;
    }
  }
  // Outside the lock: these wait for the disk. Through a file description
  // of our own: sync_file_range's wait consumes a writeback error for the
  // description it is called on, and the segment's own fd must still see it
  // at its next fdatasync (acks=all). Failures only mean pages stay cached.
  for (auto& r : work) {
    FileHandle file(::open(r.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) continue;  // deleted meanwhile
    const int fd = file.get();
    if (r.write_to > r.write_from)
      ::sync_file_range(fd, off_t(r.write_from), off_t(r.write_to - r.write_from), SYNC_FILE_RANGE_WRITE);
    if (r.drop_to > r.drop_from) {
      const off_t from = off_t(r.drop_from), len = off_t(r.drop_to - r.drop_from);
      // DONTNEED skips dirty pages and pages under writeback: wait for them first.
      ::sync_file_range(fd, from, len,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      ::posix_fadvise(fd, from, len, POSIX_FADV_DONTNEED);
    }
  }
}

void WritePipeline::when_durable(int64_t offset, std::function<void(bool ok)> done) {
  std::unique_lock lk(log_.mu_);
  const bool durable = log_.config_.durable_mode();
  if ((!durable && !tails_) || offset < (durable ? durable_end_ : written_end_)) {
    lk.unlock();
    done(true);
    return;
  }
  if (offset >= log_.log_end_ || log_.closed_ || write_error_ != 0) {
    lk.unlock();
    done(false);
    return;
  }
  waiters_.emplace_back(offset, std::move(done));
  if (!durable) {
    if (tail_writer_) {
      schedule_tail_write_locked();
    } else {
      lk.unlock();
      write_tails();
    }
    return;
  }
  if (!flusher_) {
    lk.unlock();
    flush();
    return;
  }
  schedule_flush_locked();
}

int64_t WritePipeline::begin_sync(std::vector<std::shared_ptr<Segment>>* dirty) {
  std::lock_guard lk(log_.mu_);
  flush_queued_ = false;
  // With tails, only what is in the file (its writes complete) can be synced.
  const int64_t target = tails_ ? std::min(log_.log_end_, completed_end_) : log_.log_end_;
  // Appended after write_tails() planned: their schedule found this round
  // still queued, so they need the next one.
  if (target < log_.log_end_ && log_.config_.durable_mode()) schedule_flush_locked();
  if (target <= durable_end_) return durable_end_;
  if (dirty) {
    auto it = log_.segments_.upper_bound(durable_end_);
    if (it != log_.segments_.begin()) --it;
    for (; it != log_.segments_.end(); ++it) dirty->push_back(it->second);
  }
  unflushed_messages_ = 0;
  return target;
}

int64_t WritePipeline::finish_sync(int64_t target, bool ok) {
  if (!ok) {
    spdlog::error("storage: {}-{}: fdatasync failed: {}", log_.topic_, log_.partition_, strerror(errno));
    return -1;
  }
  std::lock_guard lk(log_.mu_);
  durable_end_ = std::max(durable_end_, std::min(target, log_.log_end_));
  last_flush_ms_ = wall_ms();
  log_.publish_hw_locked();
  return durable_end_;
}

int64_t WritePipeline::sync() {
  if (write_tails() < 0) return -1;
  std::vector<std::shared_ptr<Segment>> dirty;
  int64_t target = begin_sync(&dirty);
  // fdatasync outside the lock: appends keep flowing and join the next round.
  bool ok = true;
  for (auto& s : dirty) {
    if (s->sync_log() != Errc::ok) {
      ok = false;
      break;
    }
  }
  return finish_sync(target, ok);
}

std::vector<WritePipeline::Waiter> WritePipeline::take_waiters_locked(int64_t upto, bool all) {
  std::vector<Waiter> ready;
  auto keep = std::partition(waiters_.begin(), waiters_.end(),
                             [&](const auto& w) { return !all && w.first >= upto; });
  std::move(keep, waiters_.end(), std::back_inserter(ready));
  waiters_.erase(keep, waiters_.end());
  return ready;
}

void WritePipeline::complete_waiters(int64_t durable_end, bool ok) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lk(log_.mu_);
    ready = ok ? take_waiters_locked(durable_end, false) : take_waiters_locked(0, true);
  }
  for (auto& w : ready) w.second(ok);
}

Errc WritePipeline::flush() {
  int64_t d = sync();
  complete_waiters(d, d >= 0);
  return d >= 0 ? Errc::ok : Errc::io_error;
}

void WritePipeline::flush_if_due(int64_t now_ms) {
  std::lock_guard lk(log_.mu_);
  if (log_.closed_ || log_.config_.durable_mode() || !log_.config_.flush_ms) return;
  if (durable_end_ < log_.log_end_ && now_ms - last_flush_ms_ >= *log_.config_.flush_ms) schedule_flush_locked();
}

}  // namespace fjord::storage
