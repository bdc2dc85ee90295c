// LogManager's topic administration: creating, validating, deleting topics,
// adding partitions and altering topic configs (log_manager.h).
#include "storage/log/log_manager.h"

#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>

#include "storage/file_ops.h"
#include "storage/log/partition_metadata.h"
#include "storage/log/topic_store.h"
#include "storage/parallel_for.h"

namespace fjord::storage {

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
  if (topics_.count(name) || creating_.count(name)) {
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
  Topic t;
  std::vector<PartitionToOpen> todo;
  {
    std::lock_guard lk(mu_);
    if (!opened_ || shut_down_) return Errc::shutting_down;
    Errc e = check_new_topic(name, partitions, overrides, &t.info.config, error_message);
    if (e != Errc::ok) return e;
    t.info.name = name;
    t.info.id = random_topic_id();
    t.info.partitions = partitions;
    t.info.overrides = overrides;
    auto dirs = assign_log_dirs_locked(partitions);
    for (int32_t p = 0; p < partitions; ++p) todo.push_back({&t, p, dirs[size_t(p)], false});
    // The name is reserved; the slow part runs without mu_ so produce/fetch
    // lookups of other topics are not blocked for the whole creation.
    creating_.insert(name);
  }
  auto release = [&] {
    std::lock_guard lk(mu_);
    creating_.erase(name);
  };
  // Metadata first: a crash half way leaves a topic whose missing partitions are created on open.
  if (persist_topic_locked(t) != Errc::ok) {
    release();
    return Errc::io_error;
  }
  if (Errc e = open_partitions(todo); e != Errc::ok) {
    // Undo what was created so a failed create leaves no topic behind.
    for (auto& l : t.logs)
      if (l) l->close();
    for (auto& o : todo) {
      std::error_code ec;
      std::filesystem::remove_all(o.log_dir + "/" + name + "-" + std::to_string(o.partition), ec);
    }
    remove_topic(config_.log_dirs.front(), name);
    release();
    if (error_message) *error_message = "cannot create partition directory";
    return e;
  }
  if (out) *out = t.info;
  bool closing;
  std::vector<std::shared_ptr<PartitionLog>> logs = t.logs;
  {
    std::lock_guard lk(mu_);
    creating_.erase(name);
    closing = shut_down_;
    topics_.emplace(name, std::move(t));
  }
  // shutdown() ran meanwhile and did not see these logs: close them (the topic
  // is on disk and opens next time).
  if (closing)
    for (auto& l : logs) l->close();
  spdlog::info("storage: created topic {} with {} partitions", name, partitions);
  return Errc::ok;
}

Errc LogManager::delete_topic(const std::string& name) {
  std::lock_guard meta(meta_mu_);
  Topic t;
  {
    std::lock_guard lk(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Errc::unknown_topic;
    if (remove_topic(config_.log_dirs.front(), name) != Errc::ok) return Errc::io_error;
    t = std::move(it->second);
    topics_.erase(it);
  }
  std::vector<std::shared_ptr<PartitionLog>> logs;
  for (auto& l : t.logs)
    if (l) logs.push_back(l);
  // close() flushes whatever is dirty; partitions are independent.
  parallel_for(logs.size(), kOpenThreads, [&](size_t i) { logs[i]->close(); });
  // Kafka renames to <dir>.<id>-delete first so a crash mid-delete never
  // resurrects it; one fsync per log dir covers all the renames.
  std::vector<std::string> doomed;
  std::set<std::string> renamed_in;
  for (auto& log : logs) {
    std::string d = log->dir() + "." + t.info.id.to_base64() + "-delete";
    if (::rename(log->dir().c_str(), d.c_str()) == 0) {
      doomed.push_back(d);
      renamed_in.insert(log_dir_of(*log));
    } else {
      doomed.push_back(log->dir());
    }
  }
  for (auto& d : renamed_in) fsync_dir(d);
  // Unlinking and the last close of each file (which frees the inode) wait on
  // the file system journal; in parallel they share its commits.
  t.logs.clear();
  parallel_for(logs.size(), kOpenThreads, [&](size_t i) {
    std::error_code ec;
    std::filesystem::remove_all(doomed[i], ec);
    logs[i].reset();
  });
  write_checkpoints();
  spdlog::info("storage: deleted topic {}", name);
  return Errc::ok;
}

Errc LogManager::add_partitions(const std::string& name, int32_t new_total) {
  // Readers (every produce and fetch looks its partition up) never wait for
  // the new partitions' files: they are created on the side and installed
  // under the exclusive lock at the end.
  std::lock_guard meta(meta_mu_);
  Topic scratch;
  int32_t old = 0;
  std::vector<std::string> dirs;
  {
    std::shared_lock lk(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Errc::unknown_topic;
    old = it->second.info.partitions;
    if (new_total <= old || new_total > kMaxPartitions) return Errc::invalid_partitions;
    scratch.info = it->second.info;
    scratch.info.partitions = new_total;
    dirs = assign_log_dirs_locked(new_total - old);
  }
  if (persist_topic_locked(scratch) != Errc::ok) return Errc::io_error;
  std::vector<PartitionToOpen> todo;
  for (int32_t p = old; p < new_total; ++p) todo.push_back({&scratch, p, dirs[size_t(p - old)], false});
  Errc e = open_partitions(todo);
  std::lock_guard lk(mu_);
  auto it = topics_.find(name);  // still there: deletes take meta_mu_ too
  Topic& t = it->second;
  t.info.partitions = new_total;
  t.logs.resize(size_t(new_total));
  for (size_t p = size_t(old); p < scratch.logs.size(); ++p) t.logs[p] = std::move(scratch.logs[p]);
  return e;
}

Errc LogManager::alter_topic_config(const std::string& name, const std::map<std::string, std::string>& overrides,
                                    std::string* error_message) {
  // Persisted before it is applied, without holding mu_ across the fsync.
  std::lock_guard meta(meta_mu_);
  Topic updated;
  {
    std::shared_lock lk(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Errc::unknown_topic;
    updated.info = it->second.info;
    Errc e = LogConfig::parse(config_.defaults, overrides, &updated.info.config, error_message);
    if (e != Errc::ok) return e;
    updated.info.overrides = overrides;
  }
  if (persist_topic_locked(updated) != Errc::ok) return Errc::io_error;
  std::vector<std::shared_ptr<PartitionLog>> logs;
  {
    std::lock_guard lk(mu_);
    auto it = topics_.find(name);  // still there: deletes take meta_mu_ too
    it->second.info.overrides = overrides;
    it->second.info.config = updated.info.config;
    logs = it->second.logs;
  }
  for (auto& l : logs)
    if (l) l->set_config(updated.info.config);
  return Errc::ok;
}

LogConfig LogManager::topic_defaults() const {
  std::shared_lock lk(mu_);
  return config_.defaults;
}

void LogManager::set_topic_defaults(const LogConfig& defaults) {
  std::lock_guard meta(meta_mu_);
  std::vector<std::pair<std::vector<std::shared_ptr<PartitionLog>>, LogConfig>> changed;
  {
    std::lock_guard lk(mu_);
    config_.defaults = defaults;
    for (auto& [name, t] : topics_) {
      LogConfig cfg;
      std::string err;
      if (LogConfig::parse(defaults, t.info.overrides, &cfg, &err) != Errc::ok) {
        spdlog::warn("storage: topic {} keeps its config: its overrides do not fit the new defaults ({})", name, err);
        continue;
      }
      t.info.config = cfg;
      changed.emplace_back(t.logs, cfg);
    }
  }
  for (auto& [logs, cfg] : changed)
    for (auto& l : logs)
      if (l) l->set_config(cfg);
}

}  // namespace fjord::storage
