#pragma once
// Kafka protocol error codes for the handlers: every code of Kafka's table
// (protocol/errors/kafka_errors.def) as kafka_error::k<Name>, plus the
// mapping of storage errors onto them.
#include <cstdint>

#include "protocol/errors/kafka_errors.h"
#include "storage/errc.h"

namespace fjord::broker::kafka_error {

using namespace ::fjord::protocol::kafka_error;

// Storage error -> Kafka error code for produce/fetch/admin answers.
inline int16_t from_storage(storage::Errc e) {
  using storage::Errc;
  switch (e) {
    case Errc::ok: return kNone;
    case Errc::offset_out_of_range: return kOffsetOutOfRange;
    case Errc::corrupt_message: return kCorruptMessage;
    case Errc::message_too_large: return kMessageTooLarge;
    case Errc::record_list_too_large: return kRecordListTooLarge;
    case Errc::invalid_config: return kInvalidConfig;
    case Errc::topic_exists: return kTopicAlreadyExists;
    case Errc::unknown_topic: return kUnknownTopicOrPartition;
    case Errc::invalid_partitions: return kInvalidPartitions;
    case Errc::invalid_topic: return kInvalidTopic;
    case Errc::invalid_replication_factor: return kInvalidReplicationFactor;
    case Errc::invalid_request: return kInvalidRequest;
    case Errc::shutting_down: return kNotLeaderOrFollower;
    case Errc::invalid_timestamp: return kInvalidTimestamp;
    case Errc::out_of_order_sequence: return kOutOfOrderSequenceNumber;
    case Errc::invalid_producer_epoch: return kInvalidProducerEpoch;
    case Errc::invalid_txn_state: return kInvalidTxnState;
    case Errc::transaction_coordinator_fenced: return kTransactionCoordinatorFenced;
    case Errc::io_error:
    case Errc::not_cached:  // never leaves FetchOperation
    case Errc::not_enough_space: return kKafkaStorageError;
  }
  return kKafkaStorageError;
}

}  // namespace fjord::broker::kafka_error
