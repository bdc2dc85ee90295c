#include "storage/partition_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "protocol/records/record_reader.h"
#include "storage/aio_writer.h"
#include "storage/file_ops.h"
#include "storage/flusher.h"
#include "storage/page_cache_trimmer.h"
#include "storage/partition_metadata.h"
#include "storage/segment.h"
#include "storage/tail_writer.h"

namespace fjord::storage {

namespace {
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "00000000000000000042.log" -> 42
bool parse_segment_name(const std::string& name, const char* ext, int64_t* base) {
  size_t ext_len = std::char_traits<char>::length(ext);
  if (name.size() != 20 + ext_len || name.compare(20, ext_len, ext) != 0) return false;
  int64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    if (v > (INT64_MAX - 9) / 10) return false;
    v = v * 10 + (name[i] - '0');
  }
  *base = v;
  return true;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

PartitionLog::PartitionLog(std::string dir, std::string topic, int32_t partition, protocol::Uuid topic_id,
                           LogConfig config, Flusher* flusher)
    : dir_(std::move(dir)),
      topic_(std::move(topic)),
      partition_(partition),
      topic_id_(topic_id),
      flusher_(flusher),
      config_(std::move(config)) {
  stored_codec_ = config_.stored_codec() ? int8_t(*config_.stored_codec()) : int8_t(-1);
  min_insync_replicas_ = config_.min_insync_replicas;
}

PartitionLog::~PartitionLog() = default;

SegmentOptions PartitionLog::segment_options_locked() const {
  SegmentOptions o;
  o.index_interval_bytes = config_.index_interval_bytes;
  o.segment_index_bytes = config_.segment_index_bytes;
  o.segment_bytes = config_.segment_bytes;
  return o;
}

Errc PartitionLog::open(const std::string& dir, const std::string& topic, int32_t partition,
                        const protocol::Uuid& topic_id, const LogConfig& config, bool clean, Flusher* flusher,
                        std::shared_ptr<PartitionLog>* out, int64_t recovery_point, int64_t log_start) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    spdlog::error("storage: cannot create {}: {}", dir, strerror(errno));
    return Errc::io_error;
  }
  std::shared_ptr<PartitionLog> log(new PartitionLog(dir, topic, partition, topic_id, config, flusher));
  if (!topic_id.is_zero()) {
    Errc e = write_partition_metadata(dir, topic_id);
    if (e != Errc::ok) return e;
  }
  std::lock_guard lk(log->mu_);
  Errc e = log->load(clean, recovery_point, log_start);
  if (e != Errc::ok) return e;
  *out = std::move(log);
  return Errc::ok;
}

Errc PartitionLog::load(bool clean, int64_t recovery_point, int64_t log_start) {
  if (finish_interrupted_swap() != Errc::ok) return Errc::io_error;
  std::vector<int64_t> bases;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return Errc::io_error;
  std::vector<std::string> leftovers;
  while (dirent* ent = ::readdir(d)) {
    std::string name = ent->d_name;
    int64_t base;
    if (parse_segment_name(name, ".log", &base)) bases.push_back(base);
    else if (ends_with(name, ".deleted") || ends_with(name, ".cleaned") || ends_with(name, ".tmp"))
      leftovers.push_back(name);
  }
  ::closedir(d);
  for (auto& n : leftovers) ::unlink((dir_ + "/" + n).c_str());
  std::sort(bases.begin(), bases.end());

  auto opt = segment_options_locked();
  const bool allow_gaps = config_.cleanup_compact;
  // Unclean: validate from the segment holding the recovery point onwards.
  int64_t recover_from = INT64_MAX;
  if (!clean) {
    recover_from = 0;
    for (int64_t b : bases)
      if (b <= recovery_point) recover_from = b;
  }
  int64_t expected = -1;
  for (size_t i = 0; i < bases.size(); ++i) {
    std::unique_ptr<Segment> seg;
    if (Segment::open(dir_, bases[i], opt, &seg) != Errc::ok) {
      spdlog::error("storage: {}-{}: cannot open segment {}", topic_, partition_, bases[i]);
      return Errc::io_error;
    }
    bool need_recover = bases[i] >= recover_from;
    if (!need_recover && !seg->load()) {
      spdlog::warn("storage: {}-{}: segment {} has inconsistent indexes, rebuilding", topic_, partition_,
                   bases[i]);
      need_recover = true;
    }
    bool cut = false;
    if (need_recover) {
      uint64_t dropped = 0;
      int64_t bad = -1;
      Errc e = seg->recover(expected < 0 ? bases[i] : expected, allow_gaps, &dropped, &bad);
      if (e != Errc::ok) return e;
      if (bad >= 0) {
        // A rolled segment whose last writes were completing when the process
        // died still ends in the zeros its length was raised by (segment_tail.h).
        // When the next segment starts right after its last batch, nothing
        // was lost, and what follows stays.
        const bool padding = i + 1 < bases.size() && seg->next_offset() == bases[i + 1];
        spdlog::warn("storage: {}-{}: recovery truncated segment {} at offset {}, dropped {} bytes{}", topic_,
                     partition_, bases[i], bad, dropped, padding ? " (padding; the next segment follows on)" : "");
        cut = !padding;
      }
      if (seg->sync_log() != Errc::ok) return Errc::io_error;
    }
    if (expected >= 0 && seg->base_offset() < expected) {
      spdlog::warn("storage: {}-{}: segment {} overlaps the previous one, removing it and all after", topic_,
                   partition_, bases[i]);
      seg->remove_files();
      cut = true;
      seg.reset();
    }
    if (seg) {
      expected = seg->next_offset();
      const int64_t base = seg->base_offset();
      segments_.emplace(base, std::shared_ptr<Segment>(std::move(seg)));
    }
    if (cut) {
      // Everything after a torn/corrupt batch is gone too (Kafka semantics).
      for (size_t j = i + 1; j < bases.size(); ++j) {
        std::unique_ptr<Segment> later;
        if (Segment::open(dir_, bases[j], opt, &later) == Errc::ok) {
          spdlog::warn("storage: {}-{}: dropping segment {} ({} bytes) after corruption", topic_, partition_,
                       bases[j], later->size());
          later->remove_files();
        }
      }
      break;
    }
  }
  int64_t now = wall_ms();
  if (segments_.empty()) {
    Errc e = create_active_locked(std::max<int64_t>(log_start, 0), now);
    if (e != Errc::ok) return e;
  } else {
    // Rebuilt indexes of older segments are trimmed; the last one becomes active.
    for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it)
      if (it->second->seal() != Errc::ok) return Errc::io_error;
    if (segments_.rbegin()->second->unseal() != Errc::ok) return Errc::io_error;
  }
  log_end_ = segments_.rbegin()->second->next_offset();
  log_start_ = std::max(segments_.begin()->first, std::min(log_start, log_end_));
  durable_end_ = log_end_;  // recovered tails were fdatasync'ed above
  last_flush_ms_ = now;
  log_start_atomic_ = log_start_;
  log_end_atomic_ = log_end_;
  publish_hw_locked();
  return Errc::ok;
}

Errc PartitionLog::create_active_locked(int64_t base_offset, int64_t now_ms) {
  std::unique_ptr<Segment> seg;
  Errc e = Segment::create(dir_, base_offset, segment_options_locked(), now_ms, &seg);
  if (e == Errc::ok && tails_) e = seg->enable_tail();
  if (e != Errc::ok) {
    const int err = errno;  // e.g. EMFILE: every partition holds four files open
    if (error_log_due_locked(now_ms))
      spdlog::error("storage: {}-{}: cannot create segment {}: {}{}", topic_, partition_, base_offset,
                    err ? strerror(err) : "cause unknown", suppressed_note_locked());
    return e;
  }
  segments_[base_offset] = std::shared_ptr<Segment>(std::move(seg));
  fsync_dir(dir_);
  return Errc::ok;
}

Errc PartitionLog::roll_locked(int64_t base_offset, int64_t now_ms) {
  auto& active = segments_.rbegin()->second;
  if (active->seal() != Errc::ok) return Errc::io_error;
  // A tail still being written is dropped by the write that finishes it.
  if (active->drop_tail_if_written() != Errc::ok) return Errc::io_error;
  Errc e = create_active_locked(base_offset, now_ms);
  if (e != Errc::ok) return e;
  // Kafka flushes the rolled segment right away in every mode.
  schedule_flush_locked();
  return Errc::ok;
}

bool PartitionLog::error_log_due_locked(int64_t now_ms) {
  // A failing disk fails every retried append: one line per second per
  // partition says so without flooding the log.
  if (now_ms - last_error_log_ms_ < 1000) {
    ++suppressed_errors_;
    return false;
  }
  last_error_log_ms_ = now_ms;
  return true;
}

std::string PartitionLog::suppressed_note_locked() {
  if (suppressed_errors_ == 0) return "";
  std::string note = fmt::format(" ({} similar errors in the last second not logged)", suppressed_errors_);
  suppressed_errors_ = 0;
  return note;
}

void PartitionLog::publish_hw_locked() {
  const int64_t hw = config_.durable_mode() ? durable_end_ : tails_ ? written_end_ : log_end_;
  hw_.store(hw, std::memory_order_release);
}

void PartitionLog::schedule_tail_write_locked() {
  if (write_queued_ || !tail_writer_ || closed_) return;
  write_queued_ = true;
  // Page-cache rounds may run on the appending thread; durable ones can
  // wait for the device (a padded block's write), so never there.
  tail_writer_->schedule(shared_from_this(), !config_.durable_mode());
}

Errc PartitionLog::use_tails(TailWriter* writer) {
  std::lock_guard wl(write_mu_);
  std::lock_guard lk(mu_);
  if (tails_) return Errc::ok;
  Errc e = segments_.rbegin()->second->enable_tail();
  if (e != Errc::ok) return e;
  tails_ = true;
  tail_writer_ = writer;
  written_end_ = completed_end_ = log_end_;
  publish_hw_locked();
  return Errc::ok;
}

void PartitionLog::release_idle_tail() {
  std::lock_guard lk(mu_);
  if (!tails_ || segments_.empty()) return;
  if (SegmentTail* t = segments_.rbegin()->second->tail()) t->release_if_idle();
}

struct PartitionLog::TailRound : AioWriter::Job {
  struct Planned {
    std::shared_ptr<Segment> seg;
    SegmentTail* tail;
    TailWrite write;
  };
  std::shared_ptr<PartitionLog> log;
  std::vector<Planned> plans;
  int64_t target = 0;
  bool done = false;
  int error = 0;

 protected:
  void on_written(int err) override { log->tail_round_written(this, err); }
};

int64_t PartitionLog::write_tails() {
  const int64_t target = submit_tail_writes();
  return target < 0 ? -1 : wait_for_tail_writes(target);
}

int64_t PartitionLog::submit_tail_writes() {
  TailSubmit job;
  begin_tail_submit(job);
  AioWriter::instance().submit();
  const int64_t result = end_tail_submit(job);
  job.answer();
  return result;
}

void PartitionLog::TailSubmit::answer() {
  auto waiters = std::move(ready);
  ready.clear();
  for (auto& w : waiters) w.second(ready_ok);
}

void PartitionLog::begin_tail_submit(TailSubmit& job, bool lazy) {
  job.write_lock = std::unique_lock(write_mu_);
  {
    std::unique_lock lk(mu_);
    write_queued_ = false;
    if (!tails_) {
      job.result = log_end_;
      return;
    }
    // Durable mode writes the partly covered blocks directly (SegmentTail):
    // the fdatasync that follows has no dirty pages to write back. Such a
    // write rewrites the block the previous one padded, so that one must be
    // complete.
    const bool padded = config_.durable_mode();
    if (padded) wait_for_rounds_locked(lk);
    if (write_error_ != 0) {
      job.result = -1;
      return;
    }
    // Only the newest segments can have tails.
    auto& round = job.round;
    for (auto it = segments_.rbegin(); it != segments_.rend() && it->second->tail(); ++it) {
      SegmentTail* t = it->second->tail();
      if (!t->unsubmitted()) continue;
      if (!round) round = std::make_shared<TailRound>();
      auto& p = round->plans.emplace_back(TailRound::Planned{it->second, t, {}});
      t->plan_write(&p.write, padded);
    }
    if (!round) {
      job.result = written_end_;
      return;
    }
    round->log = shared_from_this();
    round->target = log_end_;
    if (lazy && !padded) round->set_lazy();
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

int64_t PartitionLog::end_tail_submit(TailSubmit& job) {
  if (!job.round) {
    job.write_lock.unlock();
    return job.result;
  }
  bool ok = job.err == 0;
  {
    std::lock_guard lk(mu_);
    if (ok && write_error_ == 0) {
      for (auto& p : job.round->plans) p.tail->mark_submitted(p.write);
      written_end_ = std::max(written_end_, std::min(job.round->target, log_end_));
      publish_hw_locked();
      if (!config_.durable_mode()) job.ready = take_waiters_locked(written_end_, false);
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

int64_t PartitionLog::wait_for_tail_writes(int64_t target) {
  std::unique_lock lk(mu_);
  if (!tails_) return target;
  // A truncation may cut below `target` meanwhile.
  rounds_done_.wait(lk, [&] { return write_error_ != 0 || completed_end_ >= std::min(target, log_end_); });
  return write_error_ != 0 ? -1 : target;
}

void PartitionLog::tail_round_written(TailRound* round, int err) {
  // The rounds let go below may hold the last reference to this log.
  const std::shared_ptr<PartitionLog> self = shared_from_this();
  std::vector<std::pair<int64_t, std::function<void(bool)>>> failed;
  std::deque<std::shared_ptr<TailRound>> finished;  // unpinned outside the lock
  {
    std::lock_guard lk(mu_);
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
        if (write_error_ == 0) completed_end_ = std::max(completed_end_, std::min(r.target, log_end_));
      }
      finished.push_back(std::move(rounds_.front()));
      rounds_.pop_front();
    }
  }
  rounds_done_.notify_all();
  for (auto& w : failed) w.second(false);
}

void PartitionLog::wait_for_rounds_locked(std::unique_lock<std::mutex>& lk) {
  rounds_done_.wait(lk, [&] { return rounds_.empty(); });
}

std::vector<std::pair<int64_t, std::function<void(bool)>>> PartitionLog::fail_writes_locked(int err) {
  if (write_error_ == 0) {
    write_error_ = err;
    spdlog::error("storage: {}-{}: writing the log failed: {}; the partition takes no more appends until the "
                  "broker restarts",
                  topic_, partition_, strerror(err));
  }
  // Every waiter fails in both modes (durable ones would otherwise wait for
  // a sync that cannot cover them).
  return take_waiters_locked(0, true);
}

void PartitionLog::schedule_flush_locked() {
  if (flush_queued_ || !flusher_ || closed_) return;  // the flusher may be gone after close
  flush_queued_ = true;
  flusher_->schedule(shared_from_this());
}

uint64_t PartitionLog::next_batch_position() const {
  std::lock_guard lk(mu_);
  return segments_.empty() ? 0 : segments_.rbegin()->second->size();
}

Errc PartitionLog::append(protocol::RecordBatchView batch, AppendInfo* out, std::shared_ptr<const void> owner) {
  std::unique_lock lk(mu_);
  if (closed_) return Errc::shutting_down;
  if (write_error_ != 0) return Errc::io_error;  // offline after a failed write
  const uint64_t size = batch.total_size();
  if (size > uint64_t(std::max(config_.max_message_bytes, 0))) return Errc::message_too_large;
  if (int64_t(size) > config_.segment_bytes) return Errc::record_list_too_large;
  if (batch.last_offset_delta() < 0) return Errc::corrupt_message;
  const int64_t now = wall_ms();
  // Kafka checks every record's CreateTime; the batch's first and largest
  // timestamps bound them without reading the records.
  if (!config_.log_append_time && !batch.log_append_time() &&
      ((config_.message_timestamp_before_max_ms != INT64_MAX &&
        now - batch.base_timestamp() > config_.message_timestamp_before_max_ms) ||
       (config_.message_timestamp_after_max_ms != INT64_MAX &&
        batch.max_timestamp() - now > config_.message_timestamp_after_max_ms)))
    return Errc::invalid_timestamp;
  const int64_t base = log_end_;
  const int64_t last = base + batch.last_offset_delta();
  auto* active = segments_.rbegin()->second.get();
  if (active->should_roll(uint32_t(size), last, now, config_.segment_bytes,
                          config_.segment_ms - config_.segment_jitter_ms)) {
    Errc e = roll_locked(base, now);
    if (e != Errc::ok) return e;
    active = segments_.rbegin()->second.get();
  }
  batch.set_base_offset(base);
  int64_t append_time = -1;
  if (config_.log_append_time) {
    batch.set_log_append_time(now);
    append_time = now;
  }
  Errc e = active->append(batch, now, std::move(owner));
  if (e != Errc::ok) {
    if (error_log_due_locked(now))
      spdlog::error("storage: {}-{}: append failed: {}{}", topic_, partition_, to_string(e), suppressed_note_locked());
    return e;
  }
  log_end_ = last + 1;
  log_end_atomic_.store(log_end_, std::memory_order_release);
  appended_since_trim_ += size;
  if (trimmer_ && !trim_queued_ && appended_since_trim_ >= PageCacheTrimmer::kStepBytes) {
    trim_queued_ = true;
    trimmer_->schedule(shared_from_this());
  }
  // Durable mode: only big writes ahead of the flusher (small direct writes
  // cost more CPU per byte than they save the flusher's round).
  if (tails_ && (!config_.durable_mode() || active->tail()->end() - active->tail()->on_disk() >= kWriteAheadBytes))
    schedule_tail_write_locked();
  if (config_.durable_mode()) {
    schedule_flush_locked();
  } else {
    unflushed_messages_ += std::max(batch.record_count(), 1);
    if (config_.flush_messages && unflushed_messages_ >= *config_.flush_messages) schedule_flush_locked();
    publish_hw_locked();
  }
  if (out) {
    out->base_offset = base;
    out->last_offset = last;
    out->log_append_time = append_time;
    out->log_start_offset = log_start_;
  }
  return Errc::ok;
}

void PartitionLog::set_page_cache_trimmer(PageCacheTrimmer* trimmer) {
  std::lock_guard lk(mu_);
  trimmer_ = trimmer;
}

void PartitionLog::trim_page_cache(uint64_t window) {
  struct Range {
    std::string path;
    uint64_t write_from, write_to, drop_from, drop_to;
  };
  std::vector<Range> work;
  {
    std::lock_guard lk(mu_);
    trim_queued_ = false;
    appended_since_trim_ = 0;
    if (closed_) return;
    const uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
    uint64_t behind = 0;  // bytes between the end of this segment and the log end
    for (auto it = segments_.rbegin(); it != segments_.rend(); ++it) {
      Segment& seg = *it->second;
      Segment::CacheCursor& c = seg.cache_cursor();
      const bool active = it == segments_.rbegin();
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

void PartitionLog::when_durable(int64_t offset, std::function<void(bool ok)> done) {
  std::unique_lock lk(mu_);
  const bool durable = config_.durable_mode();
  if ((!durable && !tails_) || offset < (durable ? durable_end_ : written_end_)) {
    lk.unlock();
    done(true);
    return;
  }
  if (offset >= log_end_ || closed_ || write_error_ != 0) {
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

int64_t PartitionLog::begin_sync(std::vector<std::shared_ptr<Segment>>* dirty) {
  std::lock_guard lk(mu_);
  flush_queued_ = false;
  // With tails, only what is in the file (its writes complete) can be synced.
  const int64_t target = tails_ ? std::min(log_end_, completed_end_) : log_end_;
  // Appended after write_tails() planned: their schedule found this round
  // still queued, so they need the next one.
  if (target < log_end_ && config_.durable_mode()) schedule_flush_locked();
  if (target <= durable_end_) return durable_end_;
  if (dirty) {
    auto it = segments_.upper_bound(durable_end_);
    if (it != segments_.begin()) --it;
    for (; it != segments_.end(); ++it) dirty->push_back(it->second);
  }
  unflushed_messages_ = 0;
  return target;
}

int64_t PartitionLog::finish_sync(int64_t target, bool ok) {
  if (!ok) {
    spdlog::error("storage: {}-{}: fdatasync failed: {}", topic_, partition_, strerror(errno));
    return -1;
  }
  std::lock_guard lk(mu_);
  durable_end_ = std::max(durable_end_, std::min(target, log_end_));
  last_flush_ms_ = wall_ms();
  publish_hw_locked();
  return durable_end_;
}

int64_t PartitionLog::sync_for_flusher() {
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

std::vector<std::pair<int64_t, std::function<void(bool)>>> PartitionLog::take_waiters_locked(int64_t upto,
                                                                                              bool all) {
  std::vector<std::pair<int64_t, std::function<void(bool)>>> ready;
  auto keep = std::partition(waiters_.begin(), waiters_.end(),
                             [&](const auto& w) { return !all && w.first >= upto; });
  std::move(keep, waiters_.end(), std::back_inserter(ready));
  waiters_.erase(keep, waiters_.end());
  return ready;
}

void PartitionLog::complete_waiters(int64_t durable_end, bool ok) {
  std::vector<std::pair<int64_t, std::function<void(bool)>>> ready;
  {
    std::lock_guard lk(mu_);
    ready = ok ? take_waiters_locked(durable_end, false) : take_waiters_locked(0, true);
  }
  for (auto& w : ready) w.second(ok);
}

Errc PartitionLog::flush() {
  int64_t d = sync_for_flusher();
  complete_waiters(d, d >= 0);
  return d >= 0 ? Errc::ok : Errc::io_error;
}

ReadResult PartitionLog::read(int64_t offset, int32_t max_bytes, bool min_one_batch,
                              std::optional<int64_t> upto, ReadMode mode) const {
  std::lock_guard lk(mu_);
  ReadResult r;
  r.high_watermark = hw_.load(std::memory_order_acquire);
  r.log_start_offset = log_start_;
  r.last_stable_offset = r.high_watermark;
  if (offset < log_start_ || offset > log_end_) {
    r.error = Errc::offset_out_of_range;
    return r;
  }
  int64_t limit = std::min(upto ? *upto : r.high_watermark, log_end_);
  if (offset >= limit) return r;
  uint64_t miss = Segment::kNoMiss;
  uint64_t* const miss_at = mode == ReadMode::cached_only ? &miss : nullptr;
  auto not_cached = [&](const std::shared_ptr<Segment>& seg, uint64_t from, uint64_t to) {
    r.error = Errc::not_cached;
    r.load = load_of(seg, from, to);
    return r;
  };
  const uint64_t reach = uint64_t(std::max(max_bytes, 0)) + uint64_t(kLoadSlack);
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  for (; it != segments_.end(); ++it) {
    const auto& seg = it->second;
    StoredBatch b;
    if (!seg->find_batch(offset, &b, miss_at)) {
      if (miss != Segment::kNoMiss) return not_cached(seg, miss, miss + reach);
      continue;  // compaction may leave gaps
    }
    if (b.base_offset >= limit) return r;
    uint64_t max_end = b.position + uint64_t(std::max(max_bytes, 0));
    max_end = std::min<uint64_t>(max_end, seg->size());
    // Bytes still in the tail are sent from memory, the rest with sendfile;
    // a slice is one or the other (the caller fetches again for more).
    uint64_t contiguous_end = 0;
    std::shared_ptr<const void> pin;
    const uint8_t* memory = seg->tail_at(b.position, &contiguous_end, &pin);
    max_end = std::min(max_end, memory ? contiguous_end : seg->file_end());
    uint64_t end = seg->end_of_batches(b.position, max_end, limit, miss_at);
    if (miss != Segment::kNoMiss) return not_cached(seg, b.position, b.position + reach);
    if (end == b.position) {
      if (!min_one_batch) return r;
      end = b.position + b.size;  // Kafka's minOneMessage
    }
    // sendfile would wait for the disk in the caller's thread.
    if (miss_at && !memory && !seg->resident(b.position, end)) return not_cached(seg, b.position, end);
    r.slice = protocol::FileSlice{seg->fd(), b.position, uint32_t(end - b.position), memory};
    r.keepalive = memory ? std::move(pin) : std::shared_ptr<const void>(seg);
    // A slice that stopped only because its memory did goes on in the next
    // piece (one adopted batch each), as one bigger chunk would have.
    const uint64_t read_end = std::min<uint64_t>(b.position + uint64_t(std::max(max_bytes, 0)), seg->size());
    while (memory && end == contiguous_end && end < read_end && r.more.size() < kMaxMemoryPieces) {
      memory = seg->tail_at(end, &contiguous_end, &pin);
      if (!memory) break;
      const uint64_t next = seg->end_of_batches(end, std::min(read_end, contiguous_end), limit, nullptr);
      if (next == end) break;
      r.more.push_back(protocol::FileSlice{seg->fd(), end, uint32_t(next - end), memory});
      r.more_keepalive.push_back(std::move(pin));
      end = next;
    }
    return r;
  }
  return r;
}

int64_t PartitionLog::log_start_offset() const { return log_start_atomic_.load(std::memory_order_acquire); }
int64_t PartitionLog::log_end_offset() const { return log_end_atomic_.load(std::memory_order_acquire); }
int64_t PartitionLog::high_watermark() const { return hw_.load(std::memory_order_acquire); }

int64_t PartitionLog::recovery_point() const {
  std::lock_guard lk(mu_);
  return durable_end_;
}

int64_t PartitionLog::size_bytes() const {
  std::lock_guard lk(mu_);
  int64_t n = 0;
  for (auto& [b, s] : segments_) n += int64_t(s->size());
  return n;
}

size_t PartitionLog::segment_count() const {
  std::lock_guard lk(mu_);
  return segments_.size();
}

std::vector<int64_t> PartitionLog::segment_bases() const {
  std::lock_guard lk(mu_);
  std::vector<int64_t> v;
  for (auto& [b, s] : segments_) v.push_back(b);
  return v;
}

void PartitionLog::set_log_start_listener(std::function<void()> fn) {
  std::lock_guard lk(mu_);
  log_start_listener_ = std::move(fn);
}

void PartitionLog::notify_log_start() {
  std::function<void()> fn;
  {
    std::lock_guard lk(mu_);
    fn = log_start_listener_;
  }
  if (fn) fn();
}

namespace {
// First record in the batch at `b` with timestamp >= ts and offset >= min_offset
// (exact == true: timestamp == ts). Record-level, as Kafka answers ListOffsets.
std::optional<std::pair<int64_t, int64_t>> record_in_batch(const Segment& seg, const StoredBatch& b, int64_t ts,
                                                           int64_t min_offset, bool exact) {
  const uint8_t* p = seg.data_at(b.position);
  if (!p) return std::nullopt;
  protocol::RecordBatchView v(const_cast<uint8_t*>(p), b.size);
  std::vector<uint8_t> scratch;
  protocol::RecordReader rr;
  if (rr.open(v, scratch) != protocol::BatchError::ok) return std::nullopt;
  protocol::Record r;
  while (rr.next(&r)) {
    if (r.offset < min_offset) continue;
    if (exact ? r.timestamp == ts : r.timestamp >= ts) return std::make_pair(r.offset, r.timestamp);
  }
  return std::nullopt;
}
}  // namespace

CacheLoad PartitionLog::load_of(const std::shared_ptr<Segment>& seg, uint64_t from, uint64_t to) {
  const uint64_t end = seg->file_end();
  return {seg->fd(), std::min(from, end), std::min(to, end) - std::min(from, end), seg};
}

bool PartitionLog::stop_for_load(const std::shared_ptr<Segment>& seg, bool found, const StoredBatch& b, uint64_t miss,
                                 CacheLoad* not_cached) {
  if (miss != Segment::kNoMiss) {
    *not_cached = load_of(seg, miss, miss + kTimestampLoadBytes);  // the walk goes on from there
    return true;
  }
  if (found && not_cached && !seg->resident(b.position, b.position + b.size)) {
    *not_cached = load_of(seg, b.position, b.position + b.size);  // its records are read
    return true;
  }
  return false;
}

std::optional<std::pair<int64_t, int64_t>> PartitionLog::offset_for_timestamp(int64_t ts, CacheLoad* not_cached) const {
  std::lock_guard lk(mu_);
  int64_t hw = hw_.load(std::memory_order_acquire);
  uint64_t miss = Segment::kNoMiss;
  for (auto& [base, seg] : segments_) {
    if (seg->next_offset() <= log_start_ || seg->max_timestamp() < ts) continue;
    StoredBatch b;
    const bool in_segment = seg->find_by_timestamp(ts, log_start_, &b, not_cached ? &miss : nullptr);
    if (stop_for_load(seg, in_segment, b, miss, not_cached)) return std::nullopt;
    if (!in_segment) continue;
    auto found = record_in_batch(*seg, b, ts, log_start_, false);
    if (!found) found = std::make_pair(std::max(b.base_offset, log_start_), b.max_timestamp);
    if (found->first >= hw) return std::nullopt;
    return found;
  }
  return std::nullopt;
}

std::pair<int64_t, int64_t> PartitionLog::max_timestamp_offset(CacheLoad* not_cached) const {
  std::lock_guard lk(mu_);
  const std::shared_ptr<Segment>* best = nullptr;
  for (auto& [base, seg] : segments_) {
    if (seg->offset_of_max_timestamp() >= log_start_ && (!best || seg->max_timestamp() > (*best)->max_timestamp()))
      best = &seg;
  }
  if (!best || (*best)->max_timestamp() < 0) return {-1, -1};
  const Segment& seg = **best;
  StoredBatch b;
  uint64_t miss = Segment::kNoMiss;
  const bool found = seg.find_batch(seg.offset_of_max_timestamp(), &b, not_cached ? &miss : nullptr);
  if (stop_for_load(*best, found, b, miss, not_cached)) return {-1, -1};
  if (found) {
    if (auto r = record_in_batch(seg, b, seg.max_timestamp(), log_start_, true)) return *r;
  }
  return {seg.offset_of_max_timestamp(), seg.max_timestamp()};
}

void PartitionLog::remove_segment_locked(int64_t base) {
  auto it = segments_.find(base);
  if (it == segments_.end()) return;
  // Unlink now; in-flight reads keep the inode alive through their keepalive.
  it->second->remove_files();
  segments_.erase(it);
}

int PartitionLog::delete_segments_below_locked(int64_t offset) {
  int n = 0;
  while (segments_.size() > 1) {
    auto first = segments_.begin();
    auto next = std::next(first);
    if (next->first > offset) break;
    remove_segment_locked(first->first);
    ++n;
  }
  return n;
}

Errc PartitionLog::delete_records_before(int64_t offset, int64_t* new_log_start) {
  {
    std::lock_guard lk(mu_);
    if (closed_) return Errc::shutting_down;
    int64_t hw = hw_.load(std::memory_order_acquire);
    if (offset == -1) offset = hw;
    if (offset < 0 || offset > hw) return Errc::offset_out_of_range;
    if (offset > log_start_) {
      log_start_ = offset;
      log_start_atomic_.store(log_start_, std::memory_order_release);
      delete_segments_below_locked(offset);
      ++generation_;
    }
    if (new_log_start) *new_log_start = log_start_;
  }
  notify_log_start();
  return Errc::ok;
}

Errc PartitionLog::truncate_to(int64_t offset) {
  std::vector<std::pair<int64_t, std::function<void(bool)>>> failed;
  bool start_moved = false;
  {
    std::lock_guard wl(write_mu_);  // no tail write planned meanwhile
    std::unique_lock lk(mu_);
    if (closed_) return Errc::shutting_down;
    if (offset < 0) return Errc::invalid_request;
    if (offset >= log_end_) return Errc::ok;
    wait_for_rounds_locked(lk);  // nor any in flight
    ++generation_;
    int64_t now = wall_ms();
    if (offset <= log_start_ || offset <= segments_.begin()->first) {
      // Nothing survives: start over at `offset` (Kafka's truncateFullyAndStartAt).
      while (!segments_.empty()) remove_segment_locked(segments_.begin()->first);
      Errc e = create_active_locked(offset, now);
      if (e != Errc::ok) return e;
      start_moved = log_start_ != offset;
      log_start_ = offset;
    } else {
      while (segments_.rbegin()->first >= offset) remove_segment_locked(segments_.rbegin()->first);
      auto& seg = segments_.rbegin()->second;
      if (seg->truncate_to(offset) != Errc::ok || seg->unseal() != Errc::ok) return Errc::io_error;
      if (tails_ && seg->enable_tail() != Errc::ok) return Errc::io_error;
      if (seg->sync_log() != Errc::ok) return Errc::io_error;
    }
    log_end_ = segments_.rbegin()->second->next_offset();
    durable_end_ = std::min(durable_end_, log_end_);
    written_end_ = std::min(written_end_, log_end_);
    completed_end_ = std::min(completed_end_, log_end_);
    log_start_ = std::min(log_start_, log_end_);
    log_start_atomic_ = log_start_;
    log_end_atomic_ = log_end_;
    publish_hw_locked();
    failed = take_waiters_locked(log_end_, false);
  }
  for (auto& w : failed) w.second(false);
  if (start_moved) notify_log_start();
  return Errc::ok;
}

void PartitionLog::set_config(const LogConfig& config) {
  std::lock_guard lk(mu_);
  config_ = config;
  stored_codec_ = config_.stored_codec() ? int8_t(*config_.stored_codec()) : int8_t(-1);
  min_insync_replicas_ = config_.min_insync_replicas;
  publish_hw_locked();
  if (config_.durable_mode() && durable_end_ < log_end_) schedule_flush_locked();
  if (!config_.durable_mode() && tails_ && written_end_ < log_end_) schedule_tail_write_locked();
}

LogConfig PartitionLog::config() const {
  std::lock_guard lk(mu_);
  return config_;
}

int PartitionLog::apply_retention(int64_t now_ms) {
  int deleted = 0;
  {
    std::lock_guard lk(mu_);
    if (closed_ || !config_.cleanup_delete) return 0;
    auto drop_first = [&] {
      int64_t b = segments_.begin()->first;
      spdlog::info("storage: {}-{}: retention deletes segment {}", topic_, partition_, b);
      remove_segment_locked(b);
      ++deleted;
    };
    if (config_.retention_ms >= 0) {
      while (segments_.size() > 1 &&
             now_ms - segments_.begin()->second->largest_timestamp_or_mtime() > config_.retention_ms)
        drop_first();
    }
    if (config_.retention_bytes >= 0) {
      int64_t total = 0;
      for (auto& [b, s] : segments_) total += int64_t(s->size());
      int64_t excess = total - config_.retention_bytes;
      while (segments_.size() > 1 && excess - int64_t(segments_.begin()->second->size()) >= 0) {
        excess -= int64_t(segments_.begin()->second->size());
        drop_first();
      }
    }
    if (deleted) {
      log_start_ = std::max(log_start_, segments_.begin()->first);
      log_start_atomic_ = log_start_;
      ++generation_;
    }
  }
  if (deleted) notify_log_start();
  return deleted;
}

void PartitionLog::roll_if_due(int64_t now_ms) {
  std::lock_guard lk(mu_);
  if (closed_) return;
  auto& active = segments_.rbegin()->second;
  if (!active->empty() && now_ms - active->created_ms() >= config_.segment_ms - config_.segment_jitter_ms)
    roll_locked(log_end_, now_ms);
}

void PartitionLog::flush_if_due(int64_t now_ms) {
  std::lock_guard lk(mu_);
  if (closed_ || config_.durable_mode() || !config_.flush_ms) return;
  if (durable_end_ < log_end_ && now_ms - last_flush_ms_ >= *config_.flush_ms) schedule_flush_locked();
}

Errc PartitionLog::close() {
  Errc result = flush();  // with tails, writes them first
  std::vector<std::pair<int64_t, std::function<void(bool)>>> failed;
  {
    std::lock_guard wl(write_mu_);
    std::unique_lock lk(mu_);
    if (closed_) return result;
    wait_for_rounds_locked(lk);
    closed_ = true;
    for (auto& [b, s] : segments_) {
      if (s->seal() != Errc::ok || s->sync_indexes() != Errc::ok) result = Errc::io_error;
      if (s->drop_tail_if_written() != Errc::ok) result = Errc::io_error;
    }
    failed = take_waiters_locked(0, true);
  }
  for (auto& w : failed) w.second(false);
  return result;
}

}  // namespace fjord::storage
