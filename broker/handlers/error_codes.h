#pragma once
// Kafka protocol error codes used by the handlers (Errors.java numbering).
#include <cstdint>

#include "storage/errc.h"

namespace fjord::broker::kafka_error {

inline constexpr int16_t kUnknownServerError = -1;
inline constexpr int16_t kNone = 0;
inline constexpr int16_t kOffsetOutOfRange = 1;
inline constexpr int16_t kCorruptMessage = 2;
inline constexpr int16_t kUnknownTopicOrPartition = 3;
inline constexpr int16_t kLeaderNotAvailable = 5;
inline constexpr int16_t kNotLeaderOrFollower = 6;
inline constexpr int16_t kRequestTimedOut = 7;
inline constexpr int16_t kMessageTooLarge = 10;
inline constexpr int16_t kInvalidTopic = 17;
inline constexpr int16_t kRecordListTooLarge = 18;
inline constexpr int16_t kInvalidRequiredAcks = 21;
inline constexpr int16_t kInvalidTimestamp = 32;
inline constexpr int16_t kUnsupportedVersion = 35;
inline constexpr int16_t kTopicAlreadyExists = 36;
inline constexpr int16_t kInvalidPartitions = 37;
inline constexpr int16_t kInvalidReplicationFactor = 38;
inline constexpr int16_t kInvalidReplicaAssignment = 39;
inline constexpr int16_t kInvalidConfig = 40;
inline constexpr int16_t kInvalidRequest = 42;
inline constexpr int16_t kKafkaStorageError = 56;
inline constexpr int16_t kTopicDeletionDisabled = 73;
inline constexpr int16_t kFencedLeaderEpoch = 74;
inline constexpr int16_t kUnknownLeaderEpoch = 75;
inline constexpr int16_t kUnsupportedCompressionType = 76;
inline constexpr int16_t kNotEnoughReplicas = 19;
inline constexpr int16_t kPolicyViolation = 44;
inline constexpr int16_t kElectionNotNeeded = 84;
inline constexpr int16_t kNoReassignmentInProgress = 85;
inline constexpr int16_t kInvalidRecord = 87;
inline constexpr int16_t kMismatchedEndpointType = 114;
inline constexpr int16_t kUnknownTopicId = 100;

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
    case Errc::io_error:
    case Errc::not_cached:  // never leaves FetchOperation
    case Errc::not_enough_space: return kKafkaStorageError;
  }
  return kKafkaStorageError;
}

}  // namespace fjord::broker::kafka_error
