#include "storage/log/log_manager.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>

#include "storage/io/chunk_pool.h"
#include "storage/file_ops.h"
#include "storage/io/flusher.h"
#include "storage/io/page_cache_loader.h"
#include "storage/io/page_cache_trimmer.h"
#include "storage/io/tail_writer.h"
#include "storage/log/offset_checkpoint.h"
#include "storage/parallel_for.h"
#include "storage/log/segment.h"
#include "storage/log/partition_metadata.h"
#include "storage/io/segment_tail.h"
#include "storage/log/topic_store.h"

namespace fjord::storage {

namespace {
constexpr const char* kCleanShutdown = ".kafka_cleanshutdown";
constexpr const char* kRecoveryPoints = "recovery-point-offset-checkpoint";
constexpr const char* kLogStarts = "log-start-offset-checkpoint";

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "<topic>-<p>" -> topic, p
bool parse_partition_dir(const std::string& name, std::string* topic, int32_t* p) {
  auto dash = name.find_last_of('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 >= name.size()) return false;
  int64_t v = 0;
  for (size_t i = dash + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + (name[i] - '0');
    if (v > INT32_MAX) return false;
  }
  *topic = name.substr(0, dash);
  *p = int32_t(v);
  std::string why;
  return valid_topic_name(*topic, &why);
}

// Chunk memory all in-memory tails may hold together: an eighth of RAM, at
// least 512 MiB (a window per busy partition; quiet ones free theirs, and
// the ChunkPool keeps freed blocks warm up to the same amount).
uint64_t tail_budget_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  const uint64_t ram = pages > 0 && page > 0 ? uint64_t(pages) * uint64_t(page) : 0;
  return std::max<uint64_t>(512ull << 20, ram / 8);
}
}  // namespace

std::string LogManager::log_dir_of(const PartitionLog& log) {
  auto slash = log.dir().find_last_of('/');
  return slash == std::string::npos ? "." : log.dir().substr(0, slash);
}

LogManager::LogManager(StorageConfig config) : config_(std::move(config)) {}

LogManager::~LogManager() { shutdown(); }

std::vector<std::string> LogManager::assign_log_dirs_locked(int32_t count) const {
  // Kafka places a new partition in the log dir holding the fewest partitions.
  std::map<std::string, size_t> held;
  for (auto& d : config_.log_dirs) held[d] = 0;
  for (auto& [n, t] : topics_)
    for (auto& l : t.logs)
      if (l) held[log_dir_of(*l)]++;
  std::vector<std::string> out;
  out.reserve(size_t(std::max(count, 0)));
  for (int32_t i = 0; i < count; ++i) {
    const std::string* best = &config_.log_dirs.front();
    for (auto& d : config_.log_dirs)
      if (held[d] < held[*best]) best = &d;
    held[*best]++;
    out.push_back(*best);
  }
  return out;
}

Errc LogManager::open_partitions(const std::vector<PartitionToOpen>& todo) {
  auto lookup = [](const std::map<std::string, OffsetCheckpointEntries>& per_dir, const std::string& d,
                   const std::string& topic, int32_t p, int64_t missing) {
    auto dir_it = per_dir.find(d);
    if (dir_it == per_dir.end()) return missing;
    auto it = dir_it->second.find({topic, p});
    return it == dir_it->second.end() ? missing : it->second;
  };
  std::vector<std::shared_ptr<PartitionLog>> opened(todo.size());
  std::vector<Errc> errors(todo.size(), Errc::ok);
  // Mostly disk waits (fsync of new dirs, fdatasync of recovered tails), so
  // more threads than cores; concurrent syncs share journal commits.
  parallel_for(todo.size(), kOpenThreads, [&](size_t i) {
    const PartitionToOpen& o = todo[i];
    const TopicInfo& info = o.topic->info;
    std::string dir = o.log_dir + "/" + info.name + "-" + std::to_string(o.partition);
    // A new directory gets its partition.metadata without fsyncs; the one
    // directory fsync PartitionLog::open does after creating the first
    // segment covers it, and the next open repairs it after a crash.
    if (::mkdir(dir.c_str(), 0755) == 0 && !info.id.is_zero() &&
        write_new_partition_metadata(dir, info.id) != Errc::ok) {
      errors[i] = Errc::io_error;
      return;
    }
    errors[i] = PartitionLog::open(dir, info.name, o.partition, info.id, info.config, o.clean, flusher_.get(),
                                   &opened[i], lookup(recovery_points_, o.log_dir, info.name, o.partition, 0),
                                   lookup(log_starts_, o.log_dir, info.name, o.partition, -1));
  });
  Errc result = Errc::ok;
  std::set<std::string> dirs;
  for (size_t i = 0; i < todo.size(); ++i) {
    const PartitionToOpen& o = todo[i];
    if (errors[i] != Errc::ok) {
      spdlog::error("storage: cannot open {}-{}: {}", o.topic->info.name, o.partition, to_string(errors[i]));
      if (result == Errc::ok) result = errors[i];
      continue;
    }
    opened[i]->set_log_start_listener([this] { write_checkpoints(); });
    opened[i]->writes().set_page_cache_trimmer(trimmer_.get());
    if (config_.direct_io) {
      Errc e = opened[i]->writes().use_tails(tail_writer_.get());
      if (e != Errc::ok) {
        spdlog::error("storage: {}-{}: cannot set up direct writes: {}", o.topic->info.name, o.partition, to_string(e));
        if (result == Errc::ok) result = e;
        continue;
      }
    }
    auto& logs = o.topic->logs;
    if (logs.size() <= size_t(o.partition)) logs.resize(size_t(o.partition) + 1);
    logs[size_t(o.partition)] = std::move(opened[i]);
    dirs.insert(o.log_dir);
  }
  // The partition directories' own entries (each partition dir was fsynced
  // by PartitionLog::open after its files were created).
  for (auto& d : dirs)
    if (!fsync_dir(d)) {
      spdlog::error("storage: cannot fsync log dir {}: {}", d, strerror(errno));
      if (result == Errc::ok) result = Errc::io_error;
    }
  return result;
}

Errc LogManager::open() {
  std::lock_guard lk(mu_);
  if (opened_) return Errc::ok;
  if (config_.log_dirs.empty()) {
    spdlog::error("storage: no log dirs configured");
    return Errc::invalid_config;
  }
  flusher_ = std::make_unique<Flusher>();
  loader_ = std::make_unique<PageCacheLoader>(config_.read_threads);
  if (config_.direct_io) {
    SegmentTail::set_budget(tail_budget_bytes());
    ChunkPool::instance().keep_warm(kWarmChunkBlocks, kIdleWarmChunkBlocks);
    tail_writer_ = std::make_unique<TailWriter>(kTailWriterThreads);
  }
  else if (config_.page_cache_window_bytes > 0)
    trimmer_ = std::make_unique<PageCacheTrimmer>(uint64_t(config_.page_cache_window_bytes));
  // Where each existing partition dir lives, and whether its log dir shut down cleanly.
  std::map<std::pair<std::string, int32_t>, std::string> found;
  std::map<std::string, bool> clean;
  for (auto& d : config_.log_dirs) {
    std::error_code ec;
    std::filesystem::create_directories(d, ec);
    if (ec) {
      spdlog::error("storage: cannot create log dir {}: {}", d, ec.message());
      return Errc::io_error;
    }
    clean[d] = file_exists(d + "/" + kCleanShutdown);
    recovery_points_[d] = read_offset_checkpoint(d + "/" + kRecoveryPoints);
    log_starts_[d] = read_offset_checkpoint(d + "/" + kLogStarts);
    DIR* dh = ::opendir(d.c_str());
    if (!dh) return Errc::io_error;
    std::vector<std::string> doomed;
    while (dirent* ent = ::readdir(dh)) {
      std::string name = ent->d_name;
      if (name.size() > 7 && name.compare(name.size() - 7, 7, "-delete") == 0) {
        doomed.push_back(name);
        continue;
      }
      std::string topic;
      int32_t p;
      if (ent->d_type != DT_DIR && ent->d_type != DT_UNKNOWN) continue;
      if (parse_partition_dir(name, &topic, &p)) found[{topic, p}] = d;
    }
    ::closedir(dh);
    for (auto& n : doomed) std::filesystem::remove_all(d + "/" + n, ec);  // unfinished topic deletes
    if (!clean[d] && !recovery_points_[d].empty())
      spdlog::warn("storage: {} was not shut down cleanly, recovering unflushed segments", d);
  }
  // Topics with metadata files, and the partition count each file records.
  std::map<std::string, int32_t> persisted;
  for (auto& st : load_topics(config_.log_dirs.front())) {
    persisted[st.name] = st.partitions;
    Topic t;
    t.info.name = st.name;
    t.info.id = st.id;
    t.info.partitions = st.partitions;
    t.info.overrides = st.overrides;
    std::string err;
    if (LogConfig::parse(config_.defaults, st.overrides, &t.info.config, &err) != Errc::ok) {
      spdlog::error("storage: topic {} has invalid stored config ({}), using defaults", st.name, err);
      t.info.config = config_.defaults;
    }
    topics_.emplace(st.name, std::move(t));
  }
  // Partition dirs without a metadata file (e.g. copied from Kafka): adopt them.
  for (auto& [tp, d] : found) {
    auto it = topics_.find(tp.first);
    if (it == topics_.end()) {
      Topic t;
      t.info.name = tp.first;
      auto id = read_partition_metadata(d + "/" + tp.first + "-" + std::to_string(tp.second));
      t.info.id = id ? *id : random_topic_id();
      t.info.config = config_.defaults;
      it = topics_.emplace(tp.first, std::move(t)).first;
      spdlog::info("storage: adopting topic {} found on disk", tp.first);
    }
    it->second.info.partitions = std::max(it->second.info.partitions, tp.second + 1);
  }
  // Every partition of every topic in one parallel pass; missing ones (a
  // crash during create_topic) are created where Kafka would place them.
  std::vector<PartitionToOpen> todo;
  std::vector<std::pair<Topic*, int32_t>> missing;
  for (auto& [name, t] : topics_) {
    for (int32_t p = 0; p < t.info.partitions; ++p) {
      auto f = found.find({name, p});
      if (f == found.end()) missing.emplace_back(&t, p);
      else todo.push_back({&t, p, f->second, clean[f->second]});
    }
  }
  auto spread = assign_log_dirs_locked(int32_t(missing.size()));
  for (size_t i = 0; i < missing.size(); ++i) todo.push_back({missing[i].first, missing[i].second, spread[i], false});
  if (Errc e = open_partitions(todo); e != Errc::ok) return e;
  for (auto& [name, t] : topics_) {
    if (persisted.count(name) && persisted[name] == t.info.partitions) continue;  // file already says this
    if (persist_topic_locked(t) != Errc::ok) return Errc::io_error;
  }
  // From now on a crash is unclean.
  for (auto& d : config_.log_dirs) {
    std::string marker = d + "/" + kCleanShutdown;
    if (file_exists(marker)) {
      ::unlink(marker.c_str());
      fsync_dir(d);
    }
  }
  opened_ = true;
  cleaner_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "fj-cleaner");
    cleaner_loop();
  });
  spdlog::info("storage: opened {} topics in {} log dirs", topics_.size(), config_.log_dirs.size());
  return Errc::ok;
}

std::shared_ptr<PartitionLog> LogManager::partition(const std::string& topic, int32_t p) const {
  std::shared_lock lk(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end() || p < 0 || size_t(p) >= it->second.logs.size()) return nullptr;
  return it->second.logs[size_t(p)];
}

std::optional<TopicInfo> LogManager::topic(const std::string& name) const {
  std::shared_lock lk(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second.info;
}

std::optional<TopicInfo> LogManager::topic_by_id(const protocol::Uuid& id) const {
  std::shared_lock lk(mu_);
  for (auto& [n, t] : topics_)
    if (t.info.id == id) return t.info;
  return std::nullopt;
}

std::vector<TopicInfo> LogManager::topics() const {
  std::shared_lock lk(mu_);
  std::vector<TopicInfo> v;
  for (auto& [n, t] : topics_) v.push_back(t.info);
  return v;
}

std::vector<std::shared_ptr<PartitionLog>> LogManager::all_logs() const {
  std::shared_lock lk(mu_);
  std::vector<std::shared_ptr<PartitionLog>> v;
  for (auto& [n, t] : topics_)
    for (auto& l : t.logs)
      if (l) v.push_back(l);
  return v;
}

void LogManager::write_checkpoints() {
  auto logs = all_logs();
  std::lock_guard lk(checkpoint_mu_);
  std::map<std::string, OffsetCheckpoint> rp, ls;
  for (auto& d : config_.log_dirs) rp[d], ls[d];
  for (auto& l : logs) {
    std::string d = log_dir_of(*l);
    rp[d][{l->topic(), l->partition()}] = l->recovery_point();
    ls[d][{l->topic(), l->partition()}] = l->log_start_offset();
  }
  for (auto& d : config_.log_dirs) {
    if (write_offset_checkpoint(d + "/" + kRecoveryPoints, rp[d]) != Errc::ok ||
        write_offset_checkpoint(d + "/" + kLogStarts, ls[d]) != Errc::ok)
      spdlog::error("storage: cannot write offset checkpoints in {}", d);
  }
}

void LogManager::run_cleaner_once(int64_t now_ms, bool force_compaction) {
  size_t budget = size_t(std::max<int64_t>(config_.log_cleaner_dedupe_buffer_size, 1 << 16));
  for (auto& l : all_logs()) {
    l->roll_if_due(now_ms);
    l->apply_retention(now_ms);
    if (config_.log_cleaner_enable || force_compaction) l->compact(now_ms, budget, force_compaction);
  }
  write_checkpoints();
}

void LogManager::cleaner_loop() {
  int64_t now = wall_ms();
  int64_t next_retention = now + config_.retention_check_interval_ms;
  int64_t next_flush = now + config_.flush_scheduler_interval_ms;
  int64_t next_clean = now + config_.log_cleaner_backoff_ms;
  int64_t next_checkpoint = now + 60000;  // log.flush.offset.checkpoint.interval.ms
  int64_t next_tail_sweep = now + kTailSweepMs;
  size_t budget = size_t(std::max<int64_t>(config_.log_cleaner_dedupe_buffer_size, 1 << 16));
  std::unique_lock lk(cleaner_mu_);
  while (!cleaner_stop_) {
    int64_t wake = std::min({next_retention, next_flush, next_clean, next_checkpoint,
                             config_.direct_io ? next_tail_sweep : INT64_MAX});
    cleaner_cv_.wait_for(lk, std::chrono::milliseconds(std::max<int64_t>(wake - wall_ms(), 1)));
    if (cleaner_stop_) break;
    lk.unlock();
    now = wall_ms();
    if (now >= next_flush) {
      for (auto& l : all_logs()) l->flush_if_due(now);
      next_flush = now + config_.flush_scheduler_interval_ms;
    }
    if (now >= next_retention) {
      for (auto& l : all_logs()) {
        l->roll_if_due(now);
        l->apply_retention(now);
        l->expire_producers(now, config_.producer_id_expiration_ms);
      }
      next_retention = now + config_.retention_check_interval_ms;
    }
    if (now >= next_clean) {
      if (config_.log_cleaner_enable)
        for (auto& l : all_logs()) l->compact(now, budget);
      next_clean = now + config_.log_cleaner_backoff_ms;
    }
    if (config_.direct_io && now >= next_tail_sweep) {
      for (auto& l : all_logs()) l->writes().release_idle_tail();
      ChunkPool::instance().trim();
      next_tail_sweep = now + kTailSweepMs;
    }
    if (now >= next_checkpoint) {
      write_checkpoints();
      next_checkpoint = now + 60000;
    }
    lk.lock();
  }
}

void LogManager::shutdown() {
  {
    std::lock_guard lk(mu_);
    if (!opened_ || shut_down_) return;
    shut_down_ = true;
  }
  {
    std::lock_guard lk(cleaner_mu_);
    cleaner_stop_ = true;
  }
  cleaner_cv_.notify_all();
  if (cleaner_.joinable()) cleaner_.join();
  if (trimmer_) trimmer_->stop();
  if (loader_) loader_->stop();
  // In parallel: concurrent fdatasyncs share journal commits (page-cache mode
  // with 1000 dirty partitions took 13 s one by one).
  auto logs = all_logs();
  std::atomic<bool> ok{true};
  parallel_for(logs.size(), kOpenThreads, [&](size_t i) {
    if (logs[i]->close() != Errc::ok) ok = false;
  });
  flusher_->stop();
  if (tail_writer_) tail_writer_->stop();
  write_checkpoints();
  if (!ok) {
    spdlog::error("storage: errors while closing logs; not marking a clean shutdown");
    return;
  }
  for (auto& d : config_.log_dirs) {
    if (write_file_atomic(d + "/" + kCleanShutdown, "") != Errc::ok)
      spdlog::error("storage: cannot write clean shutdown marker in {}", d);
  }
  const auto received = Segment::received_batches();
  if (received.kept + received.copied > 0)
    spdlog::info("storage: {} of {} produce batches received into arena slots were kept as received, {} copied",
                 received.kept, received.kept + received.copied, received.copied);
  spdlog::info("storage: clean shutdown complete");
}

}  // namespace fjord::storage
