#pragma once
// Writes the end of a transaction (a commit or abort control record, Kafka's
// EndTxnMarker) to every partition of the transaction, the one place that
// does. Each marker is an ordinary append of a control batch carrying the
// producer id and epoch; the append path ends the producer's transaction
// there. A marker for a __consumer_offsets partition goes through the group
// coordinator's runtime, in order with its writes, so its shard applies or
// drops the group's pending transactional offsets. On one node every
// partition is local; with replication this class would send WriteTxnMarkers
// to the partitions' leaders instead.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/coordinator/coordinator_shard.h"
#include "broker/coordinator/transaction_metadata.h"
#include "storage/log/log_manager.h"

namespace fjord::broker::coordinator {

class CoordinatorRuntime;

class TxnMarkerWriter {
 public:
  // `on_appended` runs (on a storage thread) once a marker is durable: it
  // wakes fetches parked on the partition.
  TxnMarkerWriter(storage::LogManager& logs, std::function<void(const std::string&, int32_t)> on_appended);
  virtual ~TxnMarkerWriter();

  // The group coordinator's runtime, which writes __consumer_offsets markers.
  void set_offsets_runtime(CoordinatorRuntime* runtime) { offsets_runtime_ = runtime; }

  // Writes the marker to each partition and calls done(failed) once every
  // one is durable or failed, from any thread. `failed` holds the partitions
  // to try again (storage errors); a partition that no longer exists needs
  // no marker and counts as written. Virtual for tests, which record markers.
  virtual void write(TxnProducer producer, int32_t coordinator_epoch, bool commit, const std::vector<TopicPartition>& partitions,
             std::function<void(std::vector<TopicPartition> failed)> done);

  // Waits (up to `timeout_ms`) for the callbacks of markers in flight.
  void drain(int64_t timeout_ms);

 private:
  struct Round;
  void write_one(const std::shared_ptr<Round>& round, const TopicPartition& tp);
  static void finish(const std::shared_ptr<Round>& round, const TopicPartition& tp, bool failed);

  storage::LogManager& logs_;
  std::function<void(const std::string&, int32_t)> on_appended_;
  CoordinatorRuntime* offsets_runtime_ = nullptr;
  std::atomic<int64_t> in_flight_{0};
};

}  // namespace fjord::broker::coordinator
