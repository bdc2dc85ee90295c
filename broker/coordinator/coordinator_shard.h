#pragma once
// The two sides of a coordinator shard: the state machine a coordinator
// (groups, transactions) implements for one partition of its internal
// topic, and the services the runtime gives it. Everything a shard does runs
// on its own executor, one event at a time, so a shard needs no locks.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fjord::broker::coordinator {

// A record to write: key and value bytes; no value is a tombstone.
struct CoordinatorRecord {
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> value;
};

// A record read back (loading) or being applied after its write. Records
// of a transactional batch (TxnOffsetCommit) carry their producer id; they
// count only once a commit marker for that producer follows.
struct RecordView {
  std::span<const uint8_t> key;
  std::optional<std::span<const uint8_t>> value;
  int64_t producer_id = -1;  // -1: not transactional
};

// The producer that owns a transactional write.
struct TxnProducer {
  int64_t id = -1;
  int16_t epoch = -1;
};

class ShardServices {
 public:
  virtual ~ShardServices() = default;
  virtual int64_t now_ms() const = 0;
  // Runs fn on the shard's executor after delay_ms, replacing the timer of
  // the same key. Timers die with the shard (unload).
  virtual void schedule(const std::string& key, int64_t delay_ms, std::function<void()> fn) = 0;
  virtual void cancel(const std::string& key) = 0;
  // Appends the records to the shard's partition as one batch. Once they are
  // durable (later: replicated), on the shard's executor, they are applied
  // with CoordinatorShard::replay when `replay` is set, then done(error)
  // runs (error: a Kafka error code, 0 when written). Writes complete in the
  // order they were made; one without records completes after those before.
  virtual void write(std::vector<CoordinatorRecord> records, bool replay, std::function<void(int16_t error)> done) = 0;
  // The same as one transactional batch of `producer` (replayed with its id).
  virtual void write_transactional(std::vector<CoordinatorRecord> records, TxnProducer producer,
                                   std::function<void(int16_t error)> done) = 0;
  // Runs fn on the shard's executor (callable from any thread); dropped when
  // the shard is unloaded first.
  virtual void post(std::function<void()> fn) = 0;
};

class CoordinatorShard {
 public:
  virtual ~CoordinatorShard() = default;
  // Applies one record: the same code for loading and for live writes.
  virtual void replay(const RecordView& record) = 0;
  // A transaction marker of `producer_id` (commit or abort), read back or
  // just written: the same code for loading and live markers.
  virtual void replay_end_txn(int64_t producer_id, bool commit) {
    (void)producer_id;
    (void)commit;
  }
  // After the partition was replayed: the shard is live (timers may start).
  virtual void on_loaded() = 0;
  // The shard is being dropped: answer whatever waits on it.
  virtual void on_unloaded() = 0;
};

}  // namespace fjord::broker::coordinator
