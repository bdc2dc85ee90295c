#pragma once
// The two sides of a coordinator shard: the state machine a coordinator
// (groups, later transactions) implements for one partition of its internal
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

// A record read back (loading) or being applied after its write.
struct RecordView {
  std::span<const uint8_t> key;
  std::optional<std::span<const uint8_t>> value;
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
};

class CoordinatorShard {
 public:
  virtual ~CoordinatorShard() = default;
  // Applies one record: the same code for loading and for live writes.
  virtual void replay(const RecordView& record) = 0;
  // After the partition was replayed: the shard is live (timers may start).
  virtual void on_loaded() = 0;
  // The shard is being dropped: answer whatever waits on it.
  virtual void on_unloaded() = 0;
};

}  // namespace fjord::broker::coordinator
