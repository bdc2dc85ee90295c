#include "storage/log_manager.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "storage/file_ops.h"
#include "storage/flusher.h"
#include "storage/offset_checkpoint.h"
#include "storage/partition_metadata.h"
#include "storage/topic_store.h"

namespace fjord::storage {

namespace {
constexpr const char* kCleanShutdown = ".kafka_cleanshutdown";
constexpr const char* kRecoveryPoints = "recovery-point-offset-checkpoint";
constexpr const char* kLogStarts = "log-start-offset-checkpoint";
constexpr int32_t kMaxPartitions = 100000;  // sanity bound; Kafka has none, but a typo must not fill the disk

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool valid_topic_name(const std::string& n, std::string* why) {
  if (n.empty()) { *why = "Topic name is illegal, it can't be empty"; return false; }
  if (n == "." || n == "..") { *why = "Topic name cannot be \".\" or \"..\""; return false; }
  if (n.size() > 249) { *why = "Topic name is illegal, it can't be longer than 249 characters"; return false; }
  for (char c : n) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      *why = "Topic name \"" + n + "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
      return false;
    }
  }
  return true;
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

std::string log_dir_of(const PartitionLog& log) {
  auto slash = log.dir().find_last_of('/');
  return slash == std::string::npos ? "." : log.dir().substr(0, slash);
}
}  // namespace

LogManager::LogManager(StorageConfig config) : config_(std::move(config)) {}

LogManager::~LogManager() { shutdown(); }

std::string LogManager::choose_log_dir_locked(const Topic* pending) const {
  // Kafka places a new partition in the log dir holding the fewest partitions.
  std::map<std::string, size_t> count;
  for (auto& d : config_.log_dirs) count[d] = 0;
  for (auto& [n, t] : topics_)
    for (auto& l : t.logs)
      if (l) count[log_dir_of(*l)]++;
  if (pending)
    for (auto& l : pending->logs)
      if (l) count[log_dir_of(*l)]++;
  std::string best = config_.log_dirs.front();
  for (auto& d : config_.log_dirs)
    if (count[d] < count[best]) best = d;
  return best;
}

Errc LogManager::open_partition_locked(Topic& t, int32_t p, const std::string& log_dir, bool clean) {
  std::string dir = log_dir + "/" + t.info.name + "-" + std::to_string(p);
  auto rp = recovery_points_[log_dir].find({t.info.name, p});
  auto ls = log_starts_[log_dir].find({t.info.name, p});
  std::shared_ptr<PartitionLog> log;
  Errc e = PartitionLog::open(dir, t.info.name, p, t.info.id, t.info.config, clean, flusher_.get(), &log,
                              rp == recovery_points_[log_dir].end() ? 0 : rp->second,
                              ls == log_starts_[log_dir].end() ? -1 : ls->second);
  if (e != Errc::ok) return e;
  log->set_log_start_listener([this] { write_checkpoints(); });
  if (t.logs.size() <= size_t(p)) t.logs.resize(size_t(p) + 1);
  t.logs[size_t(p)] = std::move(log);
  return Errc::ok;
}

Errc LogManager::open() {
  std::lock_guard lk(mu_);
  if (opened_) return Errc::ok;
  if (config_.log_dirs.empty()) {
    spdlog::error("storage: no log dirs configured");
    return Errc::invalid_config;
  }
  flusher_ = std::make_unique<Flusher>();
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
  // Topics with metadata files.
  for (auto& st : load_topics(config_.log_dirs.front())) {
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
  for (auto& [name, t] : topics_) {
    for (int32_t p = 0; p < t.info.partitions; ++p) {
      auto f = found.find({name, p});
      std::string d = f != found.end() ? f->second : choose_log_dir_locked();
      Errc e = open_partition_locked(t, p, d, f != found.end() && clean[d]);
      if (e != Errc::ok) {
        spdlog::error("storage: cannot open {}-{}: {}", name, p, to_string(e));
        return e;
      }
    }
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
  cleaner_ = std::thread([this] { cleaner_loop(); });
  spdlog::info("storage: opened {} topics in {} log dirs", topics_.size(), config_.log_dirs.size());
  return Errc::ok;
}

Errc LogManager::persist_topic_locked(const Topic& t) {
  StoredTopic st{t.info.name, t.info.id, t.info.partitions, t.info.overrides};
  return save_topic(config_.log_dirs.front(), st);
}

Errc LogManager::check_new_topic(const std::string& name, int32_t partitions,
                                 const std::map<std::string, std::string>& overrides, LogConfig* config,
                                 std::string* error_message) const {
  std::string why;
  if (!valid_topic_name(name, &why)) {
    if (error_message) *error_message = why;
    return Errc::invalid_topic;
  }
  if (topics_.count(name)) {
    if (error_message) *error_message = "Topic '" + name + "' already exists.";
    return Errc::topic_exists;
  }
  if (partitions <= 0 || partitions > kMaxPartitions) {
    if (error_message) *error_message = "Number of partitions must be between 1 and " + std::to_string(kMaxPartitions);
    return Errc::invalid_partitions;
  }
  return LogConfig::parse(config_.defaults, overrides, config, error_message);
}

Errc LogManager::validate_topic(const std::string& name, int32_t partitions,
                                const std::map<std::string, std::string>& overrides, TopicInfo* out,
                                std::string* error_message) const {
  std::shared_lock lk(mu_);
  LogConfig cfg;
  Errc e = check_new_topic(name, partitions, overrides, &cfg, error_message);
  if (e == Errc::ok && out) *out = TopicInfo{name, protocol::Uuid{}, partitions, cfg, overrides};
  return e;
}

Errc LogManager::create_topic(const std::string& name, int32_t partitions,
                              const std::map<std::string, std::string>& overrides, TopicInfo* out,
                              std::string* error_message) {
  std::lock_guard lk(mu_);
  if (!opened_ || shut_down_) return Errc::shutting_down;
  Topic t;
  Errc e = check_new_topic(name, partitions, overrides, &t.info.config, error_message);
  if (e != Errc::ok) return e;
  t.info.name = name;
  t.info.id = random_topic_id();
  t.info.partitions = partitions;
  t.info.overrides = overrides;
  // Metadata first: a crash half way leaves a topic whose missing partitions are created on open.
  if (persist_topic_locked(t) != Errc::ok) return Errc::io_error;
  for (int32_t p = 0; p < partitions; ++p) {
    e = open_partition_locked(t, p, choose_log_dir_locked(&t), false);
    if (e != Errc::ok) {
      if (error_message) *error_message = "cannot create partition directory";
      return e;
    }
  }
  if (out) *out = t.info;
  spdlog::info("storage: created topic {} with {} partitions", name, partitions);
  topics_.emplace(name, std::move(t));
  return Errc::ok;
}

Errc LogManager::delete_topic(const std::string& name) {
  Topic t;
  {
    std::lock_guard lk(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Errc::unknown_topic;
    if (remove_topic(config_.log_dirs.front(), name) != Errc::ok) return Errc::io_error;
    t = std::move(it->second);
    topics_.erase(it);
  }
  // Kafka renames to <dir>.<id>-delete first so a crash mid-delete never resurrects it.
  for (auto& log : t.logs) {
    if (!log) continue;
    log->close();
    std::string doomed = log->dir() + "." + t.info.id.to_base64() + "-delete";
    std::error_code ec;
    if (::rename(log->dir().c_str(), doomed.c_str()) == 0) {
      fsync_dir(log_dir_of(*log));
      std::filesystem::remove_all(doomed, ec);
    } else {
      std::filesystem::remove_all(log->dir(), ec);
    }
  }
  write_checkpoints();
  spdlog::info("storage: deleted topic {}", name);
  return Errc::ok;
}

Errc LogManager::add_partitions(const std::string& name, int32_t new_total) {
  std::lock_guard lk(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Errc::unknown_topic;
  Topic& t = it->second;
  if (new_total <= t.info.partitions || new_total > kMaxPartitions) return Errc::invalid_partitions;
  int32_t old = t.info.partitions;
  t.info.partitions = new_total;
  if (persist_topic_locked(t) != Errc::ok) {
    t.info.partitions = old;
    return Errc::io_error;
  }
  for (int32_t p = old; p < new_total; ++p) {
    Errc e = open_partition_locked(t, p, choose_log_dir_locked(), false);
    if (e != Errc::ok) return e;
  }
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

Errc LogManager::alter_topic_config(const std::string& name, const std::map<std::string, std::string>& overrides,
                                    std::string* error_message) {
  std::vector<std::shared_ptr<PartitionLog>> logs;
  LogConfig cfg;
  {
    std::lock_guard lk(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Errc::unknown_topic;
    Errc e = LogConfig::parse(config_.defaults, overrides, &cfg, error_message);
    if (e != Errc::ok) return e;
    Topic& t = it->second;
    auto old = t.info;
    t.info.overrides = overrides;
    t.info.config = cfg;
    if (persist_topic_locked(t) != Errc::ok) {
      t.info = old;
      return Errc::io_error;
    }
    logs = t.logs;
  }
  for (auto& l : logs)
    if (l) l->set_config(cfg);
  return Errc::ok;
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
  size_t budget = size_t(std::max<int64_t>(config_.log_cleaner_dedupe_buffer_size, 1 << 16));
  std::unique_lock lk(cleaner_mu_);
  while (!cleaner_stop_) {
    int64_t wake = std::min({next_retention, next_flush, next_clean, next_checkpoint});
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
      }
      next_retention = now + config_.retention_check_interval_ms;
    }
    if (now >= next_clean) {
      if (config_.log_cleaner_enable)
        for (auto& l : all_logs()) l->compact(now, budget);
      next_clean = now + config_.log_cleaner_backoff_ms;
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
  bool ok = true;
  for (auto& l : all_logs())
    if (l->close() != Errc::ok) ok = false;
  flusher_->stop();
  write_checkpoints();
  if (!ok) {
    spdlog::error("storage: errors while closing logs; not marking a clean shutdown");
    return;
  }
  for (auto& d : config_.log_dirs) {
    if (write_file_atomic(d + "/" + kCleanShutdown, "") != Errc::ok)
      spdlog::error("storage: cannot write clean shutdown marker in {}", d);
  }
  spdlog::info("storage: clean shutdown complete");
}

}  // namespace fjord::storage
