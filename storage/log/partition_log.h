#pragma once
// One partition's log: a directory of segments (<base offset>.log/.index/
// .timeindex) in Kafka's on-disk format. Thread-safe with one mutex per
// partition. Appends write the received batch bytes as-is (base offset and
// optionally LogAppendTime rewritten in place); reads hand out file slices.
// How appended bytes reach the disk and when appends are acknowledged is its
// WritePipeline's business (write_pipeline.h), which shares the partition
// mutex; the log holds the offsets, segments and what may be read.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/records/record_batch.h"
#include "protocol/wire/uuid.h"
#include "storage/errc.h"
#include "storage/io/write_pipeline.h"
#include "storage/log/log_config.h"
#include "storage/log/producer_state_table.h"
#include "storage/log/read_result.h"
#include "storage/log/txn_index.h"

namespace fjord::storage {

class LeaderEpochCache;
class Segment;
struct StoredBatch;
class Flusher;

struct AppendInfo {
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;  // -1 if CreateTime
  int64_t log_start_offset = 0;
  // A retried idempotent batch: nothing was appended; the offsets are the
  // original append's (Kafka answers those, without an error).
  bool duplicate = false;
};

class PartitionLog : public std::enable_shared_from_this<PartitionLog> {
 public:
  // Opens (creating if missing) the partition directory `dir`. `clean` says a
  // clean-shutdown marker was found: the tail scan is skipped. Otherwise every
  // segment from the one holding `recovery_point` on is validated batch by
  // batch and cut at the first torn/corrupt batch. `log_start` comes from the
  // log-start-offset checkpoint (-1: first segment's base). `flusher` may be
  // null (no background flushing; when_durable then flushes inline).
  static Errc open(const std::string& dir, const std::string& topic, int32_t partition,
                   const protocol::Uuid& topic_id, const LogConfig& config, bool clean,
                   Flusher* flusher, std::shared_ptr<PartitionLog>* out,
                   int64_t recovery_point = 0, int64_t log_start = -1);
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Appends one batch (already validated by the broker) in place: rewrites the
  // base offset (and LogAppendTime if configured) in `batch`, writes it as-is,
  // updates indexes. Never copies or re-encodes records.
  // `owner`: the batch is in an arena slot the log may keep instead of
  // copying it (BatchArena, SegmentTail::adopt).
  Errc append(protocol::RecordBatchView batch, AppendInfo* out, std::shared_ptr<const void> owner = {});
  // Batches with a producer id are checked against the partition's
  // ProducerStateTable first (duplicates, sequence gaps, epochs,
  // transactions); a control batch is a transaction marker and ends the
  // producer's transaction (aborts go to the segment's .txnindex). Only the
  // coordinators may append control batches: the broker refuses them from clients.

  // Writes a transaction marker for `producer_id` (what the transaction
  // coordinator's WriteTxnMarkers does on each partition): a control batch
  // with one record (key: version 0, type 0 abort / 1 commit; value: version
  // 0, coordinator epoch). Await it with when_durable(out->last_offset, ...).
  Errc append_txn_marker(int64_t producer_id, int16_t producer_epoch, bool commit, int32_t coordinator_epoch,
                         AppendInfo* out);
  // Where in its segment file the next batch would start (for placing a
  // batch being received so that it can be adopted); a hint, not a promise.
  uint64_t next_batch_position() const;

  // Calls done(ok) once everything up to and including `offset` is on disk.
  // Durable mode: group commit on the LogManager's flusher thread, callbacks
  // run there. Page-cache mode (flush.* set): done(true) is called inline,
  // with tails once a TailWriter thread handed the write to the kernel.
  void when_durable(int64_t offset, std::function<void(bool ok)> done) { writes_.when_durable(offset, std::move(done)); }

  // Whole batches starting with the one containing `offset`, up to max_bytes
  // (at least one whole batch when min_one_batch), never beyond `upto`
  // (default: the high watermark). offset == log end -> empty slice, ok.
  // Outside [log start, log end] -> offset_out_of_range. A slice never spans
  // two segments; the caller fetches again for more. cached_only: no disk
  // read happens, under the partition lock or later in sendfile; when one
  // would, the answer is not_cached and `load` says what to read in first.
  ReadResult read(int64_t offset, int32_t max_bytes, bool min_one_batch = true,
                  std::optional<int64_t> upto = std::nullopt, ReadMode mode = ReadMode::may_block) const;

  int64_t log_start_offset() const;
  int64_t log_end_offset() const;
  int64_t high_watermark() const;
  // Kafka's last stable offset: the first offset of the oldest transaction
  // not yet decided (or whose marker is not yet below the high watermark),
  // else the high watermark. Read-committed fetches stop there.
  int64_t last_stable_offset() const { return lso_.load(std::memory_order_acquire); }
  // The aborted transactions overlapping [from, upto) (read-committed
  // fetch), from the .txnindex files, oldest first.
  std::vector<AbortedTxn> aborted_transactions(int64_t from, int64_t upto) const;
  // DescribeProducers: every producer this partition tracks.
  std::vector<ProducerEntry> producer_states() const;
  // Forgets producers idle for `expiration_ms` (producer.id.expiration.ms)
  // without an ongoing transaction; returns how many.
  size_t expire_producers(int64_t now_ms, int64_t expiration_ms);
  int64_t size_bytes() const;  // sum of segment .log sizes

  // ListOffsets: first offset whose timestamp >= ts, with that timestamp
  // (nullopt when none). Both lookups take `not_cached` like read() takes
  // ReadMode::cached_only: when given, nothing is read from the disk, and if
  // something would be, the answer is empty and not_cached->fd >= 0 with
  // the range to load.
  std::optional<std::pair<int64_t, int64_t>> offset_for_timestamp(int64_t ts, CacheLoad* not_cached = nullptr) const;
  // ListOffsets MAX_TIMESTAMP: {offset, timestamp}; {-1, -1} when empty.
  std::pair<int64_t, int64_t> max_timestamp_offset(CacheLoad* not_cached = nullptr) const;

  // The leader epoch stamped into every appended batch (0 until replication
  // sets another), and the epochs' start offsets (leader-epoch-checkpoint;
  // partition_log_epochs.cpp). set_leader_epoch starts `epoch` at the log end.
  int32_t leader_epoch() const { return leader_epoch_.load(std::memory_order_relaxed); }
  Errc set_leader_epoch(int32_t epoch);
  // Kafka's endOffsetFor (OffsetForLeaderEpoch): {epoch, end offset}.
  std::pair<int32_t, int64_t> end_offset_for_epoch(int32_t epoch) const;
  const LeaderEpochCache& leader_epochs() const { return *epochs_; }

  // DeleteRecords: moves the log start to `offset` (-1 = high watermark),
  // deleting whole segments below it.
  Errc delete_records_before(int64_t offset, int64_t* new_log_start);
  // Drops every record at or after `offset`.
  Errc truncate_to(int64_t offset);

  // fdatasyncs all dirty segments now (also advances the durable offset).
  Errc flush() { return writes_.flush(); }
  // Applies new config (alter_topic_config); takes effect on the next append/roll.
  void set_config(const LogConfig& config);
  LogConfig config() const;
  // config().stored_codec() without the copy and the lock (the produce path).
  std::optional<protocol::Compression> stored_codec() const {
    const int8_t c = stored_codec_.load(std::memory_order_relaxed);
    return c < 0 ? std::nullopt : std::optional(protocol::Compression(c));
  }

  // config().min_insync_replicas, likewise for the produce path.
  int32_t min_insync_replicas() const { return min_insync_replicas_.load(std::memory_order_relaxed); }

  // Background housekeeping, called by the LogManager's cleaner thread.
  // Retention by time/size (never the active segment). Returns segments deleted.
  int apply_retention(int64_t now_ms);
  // Rolls the active segment when segment.ms has elapsed even without appends.
  void roll_if_due(int64_t now_ms);
  // Compaction pass if cleanup.policy has compact and the dirty ratio is
  // reached. `map_budget_bytes` bounds the key-hash -> offset map.
  Errc compact(int64_t now_ms, size_t map_budget_bytes, bool force = false);
  // Page-cache mode: flushes when flush.ms has elapsed since the last flush.
  void flush_if_due(int64_t now_ms) { writes_.flush_if_due(now_ms); }
  // Writes trimmed indexes and closes files (on shutdown).
  Errc close();

  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }
  const std::string& dir() const { return dir_; }
  const protocol::Uuid& topic_id() const { return topic_id_; }
  size_t segment_count() const;
  // Offset below which everything is fdatasync'ed (Kafka's recovery point).
  int64_t recovery_point() const;
  // Called (outside the partition lock) whenever the log start offset moves,
  // so the owner can checkpoint it.
  void set_log_start_listener(std::function<void()> fn);
  // Base offsets of the segments, oldest first (tests, tools).
  std::vector<int64_t> segment_bases() const;
  // The way appended bytes go to the disk: the storage layer's own workers
  // and set-up (LogManager, Flusher, TailWriter, PageCacheTrimmer) use it.
  WritePipeline& writes() { return writes_; }

 private:
  friend class WritePipeline;  // shares mu_ and reads the segments, log_end_, closed_ and config_ under it

  PartitionLog(std::string dir, std::string topic, int32_t partition, protocol::Uuid topic_id,
               LogConfig config, Flusher* flusher);
  Errc load(bool clean, int64_t recovery_point, int64_t log_start);
  Errc roll_locked(int64_t base_offset, int64_t now_ms);
  Errc create_active_locked(int64_t base_offset, int64_t now_ms);
  // Removes segments wholly below `offset` (never the active one); returns count.
  int delete_segments_below_locked(int64_t offset);
  void remove_segment_locked(int64_t base);
  void publish_hw_locked();
  // Rate limit for errors that every retried append would repeat.
  bool error_log_due_locked(int64_t now_ms);
  std::string suppressed_note_locked();
  void notify_log_start();
  // partition_log_epochs.cpp: the cache at open (`created`: a new partition),
  // after truncate_to (`fully`: nothing survived), after a log start move.
  Errc load_leader_epochs_locked(bool created);
  Errc truncate_leader_epochs_locked(bool fully);
  void move_leader_epochs_start();
  // Completes a compaction swap interrupted by a crash (see compaction.cpp).
  Errc finish_interrupted_swap();
  struct SegmentOptions segment_options_locked() const;
  // partition_log_producers.cpp: the producer state on the append path,
  // rebuilt at open and after truncation, snapshotted at rolls and close.
  Errc check_producer_locked(const protocol::RecordBatchView& batch, AppendInfo* out, bool* duplicate);
  void record_producer_locked(const protocol::RecordBatchView& batch, int64_t base, int64_t last, Segment& active,
                              int64_t now_ms);
  Errc load_producers_locked(bool clean);
  void take_producer_snapshot_locked(bool sync);
  void publish_lso_locked();

  const std::string dir_;
  const std::string topic_;
  const int32_t partition_;
  const protocol::Uuid topic_id_;

  mutable std::mutex mu_;
  LogConfig config_;
  std::map<int64_t, std::shared_ptr<Segment>> segments_;  // by base offset
  int64_t log_start_ = 0;
  int64_t log_end_ = 0;
  std::atomic<int64_t> hw_{0};          // readable without the mutex
  std::atomic<int64_t> lso_{0};         // last stable offset, <= hw_
  ProducerStateTable producers_;
  std::atomic<int8_t> stored_codec_{-1};  // config_.stored_codec(), -1: none (producer)
  std::atomic<int32_t> min_insync_replicas_{1};
  std::atomic<int64_t> log_start_atomic_{0};
  std::atomic<int64_t> log_end_atomic_{0};
  // Loaded beyond a cached-only read's max_bytes so its retry, which walks
  // batch headers from an index entry before and past the end, finds them cached.
  static constexpr uint64_t kLoadSlack = 64 << 10;
  static constexpr size_t kMaxMemoryPieces = 64;  // of one read (ReadResult::more)
  // [from, to) of seg's file, cut at what the file holds.
  static CacheLoad load_of(const std::shared_ptr<Segment>& seg, uint64_t from, uint64_t to);
  // Timestamp lookups walk batch headers from an index entry; a load ahead of a miss.
  static constexpr uint64_t kTimestampLoadBytes = 1 << 20;
  // For the cached-only timestamp lookups, after a batch search (`found`,
  // `miss` as Segment's): true, with *not_cached set, when a load must come
  // first (a header missed, or the found batch's records are not in memory).
  static bool stop_for_load(const std::shared_ptr<Segment>& seg, bool found, const StoredBatch& b, uint64_t miss,
                            CacheLoad* not_cached);
  int64_t last_error_log_ms_ = INT64_MIN / 2;
  uint64_t suppressed_errors_ = 0;
  bool closed_ = false;
  bool compacting_ = false;
  int64_t first_dirty_offset_ = 0;      // compaction: everything below was cleaned (in memory only)
  uint64_t generation_ = 0;             // bumped by truncate/delete; compaction checks it
  std::function<void()> log_start_listener_;
  std::unique_ptr<LeaderEpochCache> epochs_;
  std::atomic<int32_t> leader_epoch_{0};
  // Tails, write rounds, syncs and waiters, under mu_ (and its own write mutex).
  WritePipeline writes_;
};

}  // namespace fjord::storage
