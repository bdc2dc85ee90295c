#pragma once
// Owns every PartitionLog of the broker, the group-commit flusher thread, the
// page-cache trimmer thread and the background cleaner (retention,
// segment.ms rolls, compaction, flush.ms).
// Topic metadata (id, partition count, config overrides) is persisted in
// <first log dir>/fjord-topics/<topic>.properties; see docs/storage.md.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "protocol/wire/uuid.h"
#include "storage/errc.h"
#include "storage/log/log_config.h"
#include "storage/log/partition_log.h"
#include "storage/storage_config.h"

namespace fjord::storage {

class Flusher;
class PageCacheLoader;
class PageCacheTrimmer;
class TailWriter;
using OffsetCheckpointEntries = std::map<std::pair<std::string, int32_t>, int64_t>;

struct TopicInfo {
  std::string name;
  protocol::Uuid id;
  int32_t partitions = 0;
  LogConfig config;
  std::map<std::string, std::string> overrides;
};

class LogManager {
 public:
  explicit LogManager(StorageConfig config);
  ~LogManager();  // calls shutdown()
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // Loads all topics, recovers unclean tails, starts background threads.
  Errc open();
  Errc create_topic(const std::string& name, int32_t partitions,
                    const std::map<std::string, std::string>& overrides, TopicInfo* out,
                    std::string* error_message);
  // Validates like create_topic without creating anything (CreateTopics validateOnly).
  Errc validate_topic(const std::string& name, int32_t partitions,
                      const std::map<std::string, std::string>& overrides, TopicInfo* out,
                      std::string* error_message) const;
  Errc delete_topic(const std::string& name);
  Errc add_partitions(const std::string& name, int32_t new_total);
  std::shared_ptr<PartitionLog> partition(const std::string& topic, int32_t p) const;
  std::optional<TopicInfo> topic(const std::string& name) const;
  std::optional<TopicInfo> topic_by_id(const protocol::Uuid& id) const;
  std::vector<TopicInfo> topics() const;
  // Replaces the topic's overrides with `overrides` (AlterConfigs semantics;
  // IncrementalAlterConfigs callers merge first). Persisted before returning.
  Errc alter_topic_config(const std::string& name, const std::map<std::string, std::string>& overrides,
                          std::string* error_message = nullptr);
  // The broker-level defaults every topic's overrides apply on top of.
  LogConfig topic_defaults() const;
  // New broker-level defaults (a dynamic broker config changed): every
  // topic's config is derived again and applied at once. A topic whose
  // overrides no longer validate against them keeps its config (logged).
  void set_topic_defaults(const LogConfig& defaults);
  // Flushes everything, writes the clean-shutdown marker, stops threads. Idempotent.
  void shutdown();

  const StorageConfig& config() const { return config_; }
  // For reads that must not wait for the disk (ReadMode::cached_only); null before open().
  PageCacheLoader* page_cache_loader() const { return loader_.get(); }
  // Runs one cleaner pass now (retention, rolls, compaction); for tests and admin.
  void run_cleaner_once(int64_t now_ms, bool force_compaction = false);

 private:
  struct Topic {
    TopicInfo info;
    std::vector<std::shared_ptr<PartitionLog>> logs;
  };
  // One partition to open (or create) by open_partitions().
  struct PartitionToOpen {
    Topic* topic;
    int32_t partition;
    std::string log_dir;
    bool clean;
  };
  // Threads for per-partition open/create/close work, which mostly waits on fsync.
  static constexpr size_t kOpenThreads = 32;
  static constexpr int32_t kMaxPartitions = 100000;  // sanity bound; Kafka has none, but a typo must not fill the disk
  // The log dir holding a partition's directory.
  static std::string log_dir_of(const PartitionLog& log);
  Errc persist_topic_locked(const Topic& t);
  // Opens the partitions in parallel (creating missing directories), places
  // them in their topics' `logs` and makes new directory entries durable with
  // one fsync per log dir. Reads recovery_points_/log_starts_, never changes
  // them; needs no lock of its own beyond keeping the topics alive.
  Errc open_partitions(const std::vector<PartitionToOpen>& todo);
  // Log dirs for `count` new partitions, each in the dir holding the fewest
  // partitions at that point (Kafka's rule), counting existing ones once.
  std::vector<std::string> assign_log_dirs_locked(int32_t count) const;
  Errc check_new_topic(const std::string& name, int32_t partitions,
                       const std::map<std::string, std::string>& overrides, LogConfig* config,
                       std::string* error_message) const;
  void cleaner_loop();
  std::vector<std::shared_ptr<PartitionLog>> all_logs() const;
  // Writes recovery-point and log-start checkpoints of every log dir.
  void write_checkpoints();

  StorageConfig config_;
  std::unique_ptr<Flusher> flusher_;
  std::unique_ptr<PageCacheTrimmer> trimmer_;  // null when the window is 0 or with direct_io
  std::unique_ptr<TailWriter> tail_writer_;    // direct_io only
  std::unique_ptr<PageCacheLoader> loader_;
  // Two: one thread's synchronous writes queue every partition behind each
  // other; four made page-cache p99 worse (docs/performance.md).
  static constexpr int kTailWriterThreads = 2;
  // Idle tail blocks kept already touched (ChunkPool::keep_warm): up to
  // 32 MiB, what 16 partitions at 25 MB/s each take in within about 80 ms,
  // while blocks are being taken; one when the broker is idle.
  static constexpr size_t kWarmChunkBlocks = 16;
  static constexpr size_t kIdleWarmChunkBlocks = 1;
  // How often quiet partitions' tails give back their window, and the
  // ChunkPool is trimmed.
  static constexpr int64_t kTailSweepMs = 1000;
  // Guards topics_ (the topic map), not partition data; lookups share it.
  mutable std::shared_mutex mu_;
  // Serialises changes to existing topics (alter_topic_config,
  // add_partitions, delete_topic, set_topic_defaults) so their files are
  // written without holding mu_ exclusively, which lookups would wait for.
  std::mutex meta_mu_;
  std::map<std::string, Topic> topics_;
  // Names whose create_topic is in progress (partitions are created without
  // holding mu_ so lookups of other topics are not blocked meanwhile).
  std::set<std::string> creating_;
  std::map<std::string, OffsetCheckpointEntries> recovery_points_;  // per log dir, read at open
  std::map<std::string, OffsetCheckpointEntries> log_starts_;
  std::mutex checkpoint_mu_;  // serialises checkpoint file writes
  bool opened_ = false;
  bool shut_down_ = false;

  std::mutex cleaner_mu_;
  std::condition_variable cleaner_cv_;
  bool cleaner_stop_ = false;
  std::thread cleaner_;
};

}  // namespace fjord::storage
