#pragma once
// One partition's log: a directory of segments (<base offset>.log/.index/
// .timeindex) in Kafka's on-disk format. Thread-safe with one mutex per
// partition. Appends write the received batch bytes as-is (base offset and
// optionally LogAppendTime rewritten in place); reads hand out file slices.
#include <atomic>
#include <condition_variable>
#include <deque>
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
#include "protocol/wire/writer.h"
#include "storage/errc.h"
#include "storage/log_config.h"
#include "storage/segment_tail.h"

namespace fjord::storage {

class Segment;
struct StoredBatch;
class Flusher;
class PageCacheTrimmer;
class TailWriter;

struct AppendInfo {
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;  // -1 if CreateTime
  int64_t log_start_offset = 0;
};

// File bytes to bring into the page cache before a cached-only read is
// retried (PageCacheLoader).
struct CacheLoad {
  int fd = -1;
  uint64_t position = 0;
  uint64_t length = 0;
  std::shared_ptr<const void> keepalive;  // keeps fd open
};

enum class ReadMode : uint8_t {
  may_block,    // page faults and sendfile may wait for the disk
  cached_only,  // Errc::not_cached (with ReadResult::load) instead of waiting
};

struct ReadResult {
  Errc error = Errc::ok;
  CacheLoad load;                        // what to load when error == not_cached
  protocol::FileSlice slice;             // whole batches, ready for sendfile
  std::shared_ptr<const void> keepalive; // keeps the segment's fd open while the response is sent
  // Tail memory directly after `slice` when that is tail memory too: adopted
  // batches are pieces of memory of their own. Each is pinned by its keepalive.
  std::vector<protocol::FileSlice> more;
  std::vector<std::shared_ptr<const void>> more_keepalive;
  uint32_t length() const {
    uint32_t n = slice.length;
    for (const auto& s : more) n += s.length;
    return n;
  }
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
  int64_t last_stable_offset = 0;
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
  // Where in its segment file the next batch would start (for placing a
  // batch being received so that it can be adopted); a hint, not a promise.
  uint64_t next_batch_position() const;

  // Calls done(ok) once everything up to and including `offset` is on disk.
  // Durable mode: group commit on the LogManager's flusher thread, callbacks
  // run there. Page-cache mode (flush.* set): done(true) is called inline,
  // with tails once a TailWriter thread handed the write to the kernel.
  void when_durable(int64_t offset, std::function<void(bool ok)> done);

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
  int64_t size_bytes() const;  // sum of segment .log sizes

  // ListOffsets: first offset whose timestamp >= ts, with that timestamp
  // (nullopt when none). Both lookups take `not_cached` like read() takes
  // ReadMode::cached_only: when given, nothing is read from the disk, and if
  // something would be, the answer is empty and not_cached->fd >= 0 with
  // the range to load.
  std::optional<std::pair<int64_t, int64_t>> offset_for_timestamp(int64_t ts, CacheLoad* not_cached = nullptr) const;
  // ListOffsets MAX_TIMESTAMP: {offset, timestamp}; {-1, -1} when empty.
  std::pair<int64_t, int64_t> max_timestamp_offset(CacheLoad* not_cached = nullptr) const;

  // DeleteRecords: moves the log start to `offset` (-1 = high watermark),
  // deleting whole segments below it.
  Errc delete_records_before(int64_t offset, int64_t* new_log_start);
  // Drops every record at or after `offset`.
  Errc truncate_to(int64_t offset);

  // fdatasyncs all dirty segments now (also advances the durable offset).
  Errc flush();
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
  void flush_if_due(int64_t now_ms);
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
  // Bounds the page cache this log occupies (see page_cache_trimmer.h);
  // null (the default) leaves caching to the kernel.
  void set_page_cache_trimmer(PageCacheTrimmer* trimmer);
  // Keeps each new segment's bytes in memory and writes them with O_DIRECT
  // (segment_tail.h). Page-cache mode: `writer` writes them and acks wait for
  // that write; durable mode: the flusher writes them before its fdatasync.
  // Call once, before the first append.
  Errc use_tails(TailWriter* writer);
  // Internal to the TailWriter and the flusher: writes every segment's tail
  // bytes that are not in the file yet and waits for them (and for writes
  // handed over earlier); returns the offset one past the last record now
  // written, or -1 on error. Page-cache mode: completes waiters.
  int64_t write_tails();
  // The two halves of write_tails(), so that a round of the TailWriter or the
  // Flusher has every log's writes in flight at once (write_tails_together in
  // tail_writer.h). submit_tail_writes() plans under the partition lock and
  // hands the writes to the kernel (AioWriter). Page-cache waiters are
  // answered then: a killed process still completes what it handed over,
  // so only the device's latency is left out of the ack, not the bytes.
  // Returns the offset one past the last record handed over, or -1 (a
  // failed write takes the log offline: appends fail until a restart, as
  // Kafka takes a log dir offline). wait_for_tail_writes(target) waits until
  // every write up to `target` is complete (the durable end may only cover
  // those) and returns target, or -1.
  int64_t submit_tail_writes();
  int64_t wait_for_tail_writes(int64_t target);
  // submit_tail_writes() in two halves, so that a round hands every log's
  // direct writes over in one io_submit (one device notification, a VM exit
  // here, instead of one per log): begin_tail_submit takes the log's write
  // lock into `job`, plans, writes the page-cache part and queues the rest
  // (AioWriter::add); after AioWriter::submit(), end_tail_submit records the
  // hand-over, takes the page-cache waiters into `job` and releases the
  // lock; job.answer() answers them. `lazy`: nobody will wait for these
  // writes soon (AioWriter::Job::set_lazy); only page-cache mode takes it.
  struct TailRound;
  struct TailSubmit {
    std::unique_lock<std::mutex> write_lock;
    std::shared_ptr<TailRound> round;
    int64_t result = 0;  // the answer when there is no round
    int err = 0;
    // The waiters end_tail_submit took, answered by answer(): once every
    // write lock of the round is released, so an answer may run anything on
    // this thread (a network thread's next request, another round).
    std::vector<std::pair<int64_t, std::function<void(bool)>>> ready;
    bool ready_ok = true;
    void answer();
  };
  void begin_tail_submit(TailSubmit& job, bool lazy = false);
  int64_t end_tail_submit(TailSubmit& job);
  // Internal to LogManager's pass about once a second: frees the active
  // tail's written window if nothing was appended since the previous pass.
  void release_idle_tail();
  // Internal to the trimmer: starts writeback of bytes appended since the
  // last pass and evicts clean pages more than `window` bytes behind the end.
  void trim_page_cache(uint64_t window);
  // Base offsets of the segments, oldest first (tests, tools).
  std::vector<int64_t> segment_bases() const;

  // Internal to the flusher: fdatasyncs what is dirty and returns the new
  // durable end (offset one past the last synced record), or -1 on error.
  int64_t sync_for_flusher();
  // Internal to the flusher, for one syncfs() covering many logs: the two
  // halves of sync_for_flusher around its fdatasyncs. begin_sync() returns
  // the end that the sync will cover (and the segments to fdatasync when
  // `dirty` is given); finish_sync() records it as durable if `ok` and
  // returns the new durable end, or -1.
  int64_t begin_sync(std::vector<std::shared_ptr<Segment>>* dirty);
  int64_t finish_sync(int64_t target, bool ok);
  // Internal to the flusher: completes waiters up to durable offset.
  void complete_waiters(int64_t durable_end, bool ok);

 private:
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
  void schedule_flush_locked();
  void schedule_tail_write_locked();
  std::vector<std::pair<int64_t, std::function<void(bool)>>> take_waiters_locked(int64_t upto, bool all);
  // The reaper's: records rounds done in the order they were planned.
  void tail_round_written(TailRound* round, int err);
  // Waits (under `lk` on mu_) until no tail write is in flight.
  void wait_for_rounds_locked(std::unique_lock<std::mutex>& lk);
  // A write failed: the log goes offline; returns the waiters to fail.
  std::vector<std::pair<int64_t, std::function<void(bool)>>> fail_writes_locked(int err);
  void notify_log_start();
  // Completes a compaction swap interrupted by a crash (see compaction.cpp).
  Errc finish_interrupted_swap();
  struct SegmentOptions segment_options_locked() const;

  const std::string dir_;
  const std::string topic_;
  const int32_t partition_;
  const protocol::Uuid topic_id_;
  Flusher* const flusher_;

  mutable std::mutex mu_;
  LogConfig config_;
  std::map<int64_t, std::shared_ptr<Segment>> segments_;  // by base offset
  int64_t log_start_ = 0;
  int64_t log_end_ = 0;
  int64_t durable_end_ = 0;             // everything below is fdatasync'ed
  int64_t unflushed_messages_ = 0;      // page-cache mode accounting
  int64_t last_flush_ms_ = 0;
  std::vector<std::pair<int64_t, std::function<void(bool)>>> waiters_;
  std::atomic<int64_t> hw_{0};          // readable without the mutex
  std::atomic<int8_t> stored_codec_{-1};  // config_.stored_codec(), -1: none (producer)
  std::atomic<int32_t> min_insync_replicas_{1};
  std::atomic<int64_t> log_start_atomic_{0};
  std::atomic<int64_t> log_end_atomic_{0};
  bool flush_queued_ = false;
  PageCacheTrimmer* trimmer_ = nullptr;
  // In-memory tails: writes are planned and handed over under write_mu_
  // (taken before mu_), one at a time; several may be in flight.
  std::mutex write_mu_;
  std::deque<std::shared_ptr<TailRound>> rounds_;  // in flight, oldest first (under mu_)
  std::condition_variable rounds_done_;
  int64_t completed_end_ = 0;  // tails: everything below is in the file (its writes complete)
  int write_error_ = 0;        // errno of a failed tail write: the log is offline
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
  static constexpr uint64_t kWriteAheadBytes = 1 << 20;  // durable mode: tail bytes written before the flusher asks
  TailWriter* tail_writer_ = nullptr;
  bool tails_ = false;
  bool write_queued_ = false;
  int64_t written_end_ = 0;             // tails: everything below is handed to the kernel
  bool trim_queued_ = false;
  uint64_t appended_since_trim_ = 0;
  int64_t last_error_log_ms_ = INT64_MIN / 2;
  uint64_t suppressed_errors_ = 0;
  bool closed_ = false;
  bool compacting_ = false;
  int64_t first_dirty_offset_ = 0;      // compaction: everything below was cleaned (in memory only)
  uint64_t generation_ = 0;             // bumped by truncate/delete; compaction checks it
  std::function<void()> log_start_listener_;
  friend class Flusher;
};

}  // namespace fjord::storage
