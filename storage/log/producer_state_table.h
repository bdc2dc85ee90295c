#pragma once
// One partition's producer state, as Kafka's ProducerStateManager keeps it:
// per producer id its epoch, the sequence ranges of its last five batches
// with their offsets (to answer a retried batch with its original offset),
// the coordinator epoch of its last transaction marker and the first offset
// of its ongoing transaction. The partition's append path checks each batch
// that carries a producer id against it before the offset is assigned
// (check) and records it after the append (record); plain batches (producer
// id -1) never reach it. Also tracks the ongoing and not yet stable
// transactions that bound the last stable offset. Not thread-safe: the
// owning PartitionLog serialises access with its mutex.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "protocol/records/record_batch.h"
#include "storage/errc.h"

namespace fjord::storage {

// One appended batch of a producer (Kafka's BatchMetadata).
struct ProducerBatch {
  int32_t last_seq = -1;
  int64_t last_offset = -1;
  int32_t offset_delta = 0;  // last_offset - first offset (= last_seq - first_seq)
  int64_t timestamp = -1;    // max timestamp
  int32_t first_seq() const;
  int64_t first_offset() const { return last_offset - offset_delta; }
};

struct ProducerEntry {
  static constexpr size_t kCachedBatches = 5;  // Kafka's NUM_BATCHES_TO_RETAIN
  int64_t producer_id = -1;
  int16_t epoch = -1;
  // Oldest first; at most kCachedBatches.
  std::array<ProducerBatch, kCachedBatches> batches{};
  uint8_t batch_count = 0;
  int32_t coordinator_epoch = -1;
  int64_t txn_first_offset = -1;  // -1: no ongoing transaction
  int64_t last_timestamp = -1;    // of the last batch or marker, for expiry

  const ProducerBatch* last_batch() const { return batch_count ? &batches[batch_count - 1] : nullptr; }
  int32_t last_seq() const { return batch_count ? batches[batch_count - 1].last_seq : -1; }
  void add_batch(const ProducerBatch& b);
  void set_epoch(int16_t e);  // a new epoch forgets the cached batches
};

// A transaction ended by a marker (Kafka's CompletedTxn).
struct CompletedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;  // the marker's offset
  bool aborted = false;
};

class ProducerStateTable {
 public:
  // What check() found for a batch with a producer id.
  struct Check {
    Errc error = Errc::ok;
    // A retry of one of the cached batches: answer with it, append nothing.
    std::optional<ProducerBatch> duplicate;
  };
  // Kafka's ProducerAppendInfo checks for a client's batch (data or, from
  // the coordinator, a marker), before its offset is assigned.
  Check check(const protocol::RecordBatchView& batch) const;
  // Records an appended batch (offsets assigned). A marker ends the
  // producer's transaction: *completed gets it when there was one.
  // `replay`: from recovery (no checks were made; the log is the truth).
  void record(const protocol::RecordBatchView& batch, int64_t base_offset, int64_t last_offset,
              std::optional<CompletedTxn>* completed = nullptr);
  // A marker's control record (key type 0 abort / 1 commit, coordinator
  // epoch from the value); false when the batch holds no valid marker.
  static bool parse_marker(const protocol::RecordBatchView& batch, bool* abort, int32_t* coordinator_epoch);

  // Kafka's lastStableOffset for the txn index entry of `txn`: the first
  // offset of another ongoing transaction, else txn.last_offset + 1.
  int64_t last_stable_offset_for(const CompletedTxn& txn) const;
  // The first offset any reader must not yet read past in read-committed
  // mode (ongoing transactions, and completed ones whose marker is not yet
  // below `high_watermark`); nullopt when none.
  std::optional<int64_t> first_unstable_offset(int64_t high_watermark);

  // Forgets producers whose last write is older than `expiration_ms` and who
  // have no ongoing transaction (Kafka's removeExpiredProducers).
  size_t expire(int64_t now_ms, int64_t expiration_ms);
  // Drops everything (before a rebuild from a snapshot and the log).
  void clear();

  const std::unordered_map<int64_t, ProducerEntry>& producers() const { return producers_; }
  // Sets a producer's state wholesale (snapshot load).
  void load_entry(const ProducerEntry& e);
  // Ongoing transactions: first offset -> producer id.
  const std::map<int64_t, int64_t>& ongoing() const { return ongoing_; }
  bool empty() const { return producers_.empty(); }
  // Whether any transaction bounds the last stable offset.
  bool has_unstable() const { return !ongoing_.empty() || !unstable_completed_.empty(); }

 private:
  std::unordered_map<int64_t, ProducerEntry> producers_;
  std::map<int64_t, int64_t> ongoing_;  // first offset -> producer id
  // Completed transactions whose marker is not yet below the high
  // watermark: first offset -> marker offset (Kafka's unreplicatedTxns).
  std::multimap<int64_t, int64_t> unstable_completed_;
};

}  // namespace fjord::storage
