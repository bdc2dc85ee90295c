#include "storage/log/partition_log.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "storage/file_ops.h"
#include "storage/log/leader_epoch_cache.h"
#include "storage/log/partition_metadata.h"
#include "storage/log/producer_snapshot.h"
#include "storage/log/segment.h"

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
      config_(std::move(config)),
      writes_(*this, flusher) {
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
        // died may end in zeros: its length is raised before they land (segment_tail.h).
        // When the next segment starts right after its last batch, nothing
        // was lost, and what follows stays.
        const bool padding = i + 1 < bases.size() && seg->next_offset() == bases[i + 1];
        spdlog::warn("storage: {}-{}: recovery truncated segment {} at offset {}, dropped {} bytes{}", topic_,
                     partition_, bases[i], bad, dropped, padding ? " (padding; the next segment follows on)" : "");
        cut = !padding;
      }
      if (seg->sync_log() != Errc::ok) return Errc::io_error;
    }
    // After a crash, a segment starting past the previous one's end means
    // that one lost the tail its file never got (its length ends at its last
    // written batch; segment_tail.h): what follows goes, as after a torn batch.
    const bool gap = !clean && !allow_gaps && expected >= 0 && seg->base_offset() > expected;
    if (expected >= 0 && (seg->base_offset() < expected || gap)) {
      spdlog::warn("storage: {}-{}: segment {} {} the previous one (ending at {}), removing it and all after", topic_,
                   partition_, bases[i], gap ? "does not follow on" : "overlaps", expected);
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
  const bool created = segments_.empty();
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
  writes_.loaded_locked(now);  // recovered tails were fdatasync'ed above
  log_start_atomic_ = log_start_;
  log_end_atomic_ = log_end_;
  publish_hw_locked();
  Errc e = load_leader_epochs_locked(created);
  if (e != Errc::ok) return e;
  return load_producers_locked(clean);
}

Errc PartitionLog::create_active_locked(int64_t base_offset, int64_t now_ms) {
  std::unique_ptr<Segment> seg;
  Errc e = Segment::create(dir_, base_offset, segment_options_locked(), now_ms, &seg);
  if (e == Errc::ok && writes_.tails_locked()) e = seg->enable_tail();
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
  take_producer_snapshot_locked(false);  // Kafka snapshots the producer state at every roll
  // Kafka flushes the rolled segment right away in every mode.
  writes_.schedule_flush_locked();
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
  hw_.store(writes_.readable_end_locked(config_.durable_mode(), log_end_), std::memory_order_release);
  publish_lso_locked();
}

uint64_t PartitionLog::next_batch_position() const {
  std::lock_guard lk(mu_);
  return segments_.empty() ? 0 : segments_.rbegin()->second->size();
}

Errc PartitionLog::append(protocol::RecordBatchView batch, AppendInfo* out, std::shared_ptr<const void> owner) {
  std::unique_lock lk(mu_);
  if (closed_) return Errc::shutting_down;
  if (writes_.offline_locked()) return Errc::io_error;  // after a failed write
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
  // Idempotent and transactional batches (plain ones carry producer id -1).
  const bool has_producer = batch.producer_id() >= 0;
  if (has_producer) {
    bool duplicate = false;
    Errc e = check_producer_locked(batch, out, &duplicate);
    if (e != Errc::ok || duplicate) return e;
  }
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
  batch.set_partition_leader_epoch(leader_epoch_.load(std::memory_order_relaxed));  // outside the CRC, as the offset
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
  if (has_producer) record_producer_locked(batch, base, last, *active, now);
  writes_.appended_locked(size, batch, *active);
  if (out) {
    out->base_offset = base;
    out->last_offset = last;
    out->log_append_time = append_time;
    out->log_start_offset = log_start_;
  }
  return Errc::ok;
}

int64_t PartitionLog::log_start_offset() const { return log_start_atomic_.load(std::memory_order_acquire); }
int64_t PartitionLog::log_end_offset() const { return log_end_atomic_.load(std::memory_order_acquire); }
int64_t PartitionLog::high_watermark() const { return hw_.load(std::memory_order_acquire); }

int64_t PartitionLog::recovery_point() const {
  std::lock_guard lk(mu_);
  return writes_.durable_end_locked();
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

Errc PartitionLog::truncate_to(int64_t offset) {
  std::vector<WritePipeline::Waiter> failed;
  bool start_moved = false;
  bool fully = false;
  Errc epochs = Errc::ok;
  {
    std::lock_guard wl(writes_.write_mu_);  // no tail write planned meanwhile
    std::unique_lock lk(mu_);
    if (closed_) return Errc::shutting_down;
    if (offset < 0) return Errc::invalid_request;
    if (offset >= log_end_) return Errc::ok;
    writes_.wait_for_rounds_locked(lk);  // nor any in flight
    ++generation_;
    int64_t now = wall_ms();
    if (offset <= log_start_ || offset <= segments_.begin()->first) {
      // Nothing survives: start over at `offset` (Kafka's truncateFullyAndStartAt).
      while (!segments_.empty()) remove_segment_locked(segments_.begin()->first);
      Errc e = create_active_locked(offset, now);
      if (e != Errc::ok) return e;
      fully = true;
      start_moved = log_start_ != offset;
      log_start_ = offset;
    } else {
      while (segments_.rbegin()->first >= offset) remove_segment_locked(segments_.rbegin()->first);
      auto& seg = segments_.rbegin()->second;
      if (seg->truncate_to(offset) != Errc::ok || seg->unseal() != Errc::ok) return Errc::io_error;
      if (writes_.tails_locked() && seg->enable_tail() != Errc::ok) return Errc::io_error;
      if (seg->sync_log() != Errc::ok) return Errc::io_error;
    }
    log_end_ = segments_.rbegin()->second->next_offset();
    writes_.truncated_locked();
    log_start_ = std::min(log_start_, log_end_);
    log_start_atomic_ = log_start_;
    log_end_atomic_ = log_end_;
    publish_hw_locked();
    failed = writes_.take_waiters_locked(log_end_, false);
    epochs = truncate_leader_epochs_locked(fully);
    // What the state knew of the cut batches is wrong: rebuilt (from nothing
    // when nothing survived, as Kafka's truncateFullyAndStartAt).
    if (fully) delete_producer_snapshots_above(dir_, -1);
    if (epochs == Errc::ok) epochs = load_producers_locked(false);
  }
  for (auto& w : failed) w.second(false);
  if (start_moved) notify_log_start();
  return epochs;
}

void PartitionLog::set_config(const LogConfig& config) {
  std::lock_guard lk(mu_);
  config_ = config;
  stored_codec_ = config_.stored_codec() ? int8_t(*config_.stored_codec()) : int8_t(-1);
  min_insync_replicas_ = config_.min_insync_replicas;
  publish_hw_locked();
  writes_.config_changed_locked();
}

LogConfig PartitionLog::config() const {
  std::lock_guard lk(mu_);
  return config_;
}

void PartitionLog::roll_if_due(int64_t now_ms) {
  std::lock_guard lk(mu_);
  if (closed_) return;
  auto& active = segments_.rbegin()->second;
  if (!active->empty() && now_ms - active->created_ms() >= config_.segment_ms - config_.segment_jitter_ms)
    roll_locked(log_end_, now_ms);
}

Errc PartitionLog::close() {
  Errc result = flush();  // with tails, writes them first
  std::vector<WritePipeline::Waiter> failed;
  {
    std::lock_guard wl(writes_.write_mu_);
    std::unique_lock lk(mu_);
    if (closed_) return result;
    writes_.wait_for_rounds_locked(lk);
    take_producer_snapshot_locked(true);
    closed_ = true;
    for (auto& [b, s] : segments_) {
      if (s->seal() != Errc::ok || s->sync_indexes() != Errc::ok) result = Errc::io_error;
      if (s->drop_tail_if_written() != Errc::ok) result = Errc::io_error;
    }
    failed = writes_.take_waiters_locked(0, true);
  }
  for (auto& w : failed) w.second(false);
  return result;
}

}  // namespace fjord::storage
