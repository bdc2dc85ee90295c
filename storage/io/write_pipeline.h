#pragma once
// The way a partition log's appended bytes go to the disk, and the
// acknowledgements waiting for them: the in-memory tails and their write
// rounds (segment_tail.h, AioWriter), the group commit's fdatasyncs
// (Flusher), the durability waiters, and the page-cache window
// (PageCacheTrimmer). Each PartitionLog owns one (PartitionLog::writes());
// the Flusher, TailWriter, ThreadTailRound and PageCacheTrimmer queue it and
// run its rounds, and never see the log.
//
// Locking, as one piece with its log: everything here is guarded by the
// log's partition mutex, which the log and its pipeline share. Tail writes
// are planned and handed over under the pipeline's write mutex, taken before
// the partition mutex (never the other way round); several may be in flight.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "storage/errc.h"

namespace fjord::protocol {
class RecordBatchView;
}  // namespace fjord::protocol

namespace fjord::storage {

class Flusher;
class PageCacheTrimmer;
class PartitionLog;
class Segment;
class TailWriter;

class WritePipeline {
 public:
  // A durability waiter: done(ok) once everything up to the offset is acknowledged.
  using Waiter = std::pair<int64_t, std::function<void(bool)>>;

  // `flusher` may be null (no background flushing: flushes run inline).
  WritePipeline(PartitionLog& log, Flusher* flusher);
  ~WritePipeline();
  WritePipeline(const WritePipeline&) = delete;
  WritePipeline& operator=(const WritePipeline&) = delete;

  // This pipeline, owned together with its log (what the workers queue).
  std::shared_ptr<WritePipeline> shared();
  // The log's, for the workers: lanes by topic and partition, syncfs by log dir.
  const std::string& topic() const;
  int32_t partition() const;
  const std::string& dir() const;

  // Keeps each new segment's bytes in memory and writes them with O_DIRECT
  // (segment_tail.h). Page-cache mode: `writer` writes them and acks wait for
  // that write (null: whoever waits writes them); durable mode: the flusher
  // writes them before its fdatasync. Call once, before the first append.
  Errc use_tails(TailWriter* writer);
  // Bounds the page cache the log occupies (see page_cache_trimmer.h); null
  // (the default) leaves caching to the kernel.
  void set_page_cache_trimmer(PageCacheTrimmer* trimmer);

  // PartitionLog::when_durable, flush and flush_if_due (see there).
  void when_durable(int64_t offset, std::function<void(bool ok)> done);
  Errc flush();
  void flush_if_due(int64_t now_ms);

  // For the TailWriter and the flusher: writes every segment's tail bytes
  // that are not in the file yet and waits for them (and for writes handed
  // over earlier); returns the offset one past the last record now written,
  // or -1 on error. Page-cache mode: completes waiters.
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
  // here, instead of one per log): begin_tail_submit takes the write lock
  // into `job`, plans, writes the page-cache part and queues the rest
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
    std::vector<Waiter> ready;
    bool ready_ok = true;
    void answer();
  };
  void begin_tail_submit(TailSubmit& job, bool lazy = false);
  int64_t end_tail_submit(TailSubmit& job);
  // For LogManager's pass about once a second: frees the active tail's
  // written window if nothing was appended since the previous pass.
  void release_idle_tail();
  // For the trimmer: starts writeback of bytes appended since the last pass
  // and evicts clean pages more than `window` bytes behind the end.
  void trim_page_cache(uint64_t window);

  // For the flusher: fdatasyncs what is dirty and returns the new durable
  // end (offset one past the last synced record), or -1 on error.
  int64_t sync();
  // For one syncfs() covering many logs: the two halves of sync() around
  // its fdatasyncs. begin_sync() returns the end that the sync will cover
  // (and the segments to fdatasync when `dirty` is given); finish_sync()
  // records it as durable if `ok` and returns the new durable end, or -1.
  int64_t begin_sync(std::vector<std::shared_ptr<Segment>>* dirty);
  int64_t finish_sync(int64_t target, bool ok);
  // Completes waiters up to the durable end (all of them, failed, if !ok).
  void complete_waiters(int64_t durable_end, bool ok);

 private:
  friend class PartitionLog;

  // For the log, under its partition mutex.
  bool tails_locked() const { return tails_; }
  bool offline_locked() const { return write_error_ != 0; }
  int64_t durable_end_locked() const { return durable_end_; }
  // The log was loaded: everything in it is on disk.
  void loaded_locked(int64_t now_ms);
  // What readers may see (the high watermark): in durable mode what is
  // fdatasynced, with tails what is handed to the kernel, else the log end.
  int64_t readable_end_locked(bool durable_mode, int64_t log_end) const {
    return durable_mode ? durable_end_ : tails_ ? written_end_ : log_end;
  }
  // After `batch` (`bytes` long) was appended to `active`: schedules the
  // writes, syncs and page-cache passes it calls for.
  void appended_locked(uint64_t bytes, const protocol::RecordBatchView& batch, Segment& active);
  // After set_config: writes or syncs what the new mode leaves pending.
  void config_changed_locked();
  // After a truncation: no end stays beyond the log end.
  void truncated_locked();
  // Waits (under `lk` on the partition mutex) until no tail write is in flight.
  void wait_for_rounds_locked(std::unique_lock<std::mutex>& lk);
  void schedule_flush_locked();
  std::vector<Waiter> take_waiters_locked(int64_t upto, bool all);

  void schedule_tail_write_locked();
  // The reaper's: records rounds done in the order they were planned.
  void tail_round_written(TailRound* round, int err);
  // A write failed: the log goes offline; returns the waiters to fail.
  std::vector<Waiter> fail_writes_locked(int err);

  PartitionLog& log_;
  Flusher* const flusher_;
  // Held while tail writes are planned and handed over (one plan at a time).
  std::mutex write_mu_;
  // Below: under the log's partition mutex.
  int64_t durable_end_ = 0;         // everything below is fdatasync'ed
  int64_t unflushed_messages_ = 0;  // page-cache mode accounting
  int64_t last_flush_ms_ = 0;
  std::vector<Waiter> waiters_;
  bool flush_queued_ = false;
  PageCacheTrimmer* trimmer_ = nullptr;
  bool trim_queued_ = false;
  uint64_t appended_since_trim_ = 0;
  // In-memory tails.
  static constexpr uint64_t kWriteAheadBytes = 1 << 20;  // durable mode: tail bytes written before the flusher asks
  static constexpr uint64_t kSyncedThroughCacheBytes = 64 << 10;  // durable mode: smaller writes skip O_DIRECT
  TailWriter* tail_writer_ = nullptr;
  bool tails_ = false;
  bool write_queued_ = false;
  int64_t written_end_ = 0;    // everything below is handed to the kernel
  std::deque<std::shared_ptr<TailRound>> rounds_;  // in flight, oldest first
  std::condition_variable rounds_done_;
  int64_t completed_end_ = 0;  // everything below is in the file (its writes complete)
  int write_error_ = 0;        // errno of a failed tail write: the log is offline
};

}  // namespace fjord::storage
