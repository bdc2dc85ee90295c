#pragma once
// Error values returned by the storage engine. Hot paths never throw; every
// fallible call returns one of these.
#include <cstdint>

namespace fjord::storage {

enum class Errc : int8_t {
  ok = 0,
  offset_out_of_range,
  corrupt_message,        // batch fails parse/CRC
  message_too_large,      // one batch above max.message.bytes
  record_list_too_large,  // batch larger than a segment can ever hold
  invalid_config,
  topic_exists,
  unknown_topic,
  io_error,
  invalid_partitions,
  invalid_topic,          // illegal topic name
  invalid_replication_factor,
  not_enough_space,       // ENOSPC on append
  shutting_down,          // LogManager already shut down
  invalid_request,        // e.g. truncate/delete beyond log end
  not_cached,             // a cached-only read would have to wait for the disk (ReadResult::load)
  invalid_timestamp,      // CreateTime outside message.timestamp.before/after.max.ms
  // Producer state checks (producer_state_table.h), Kafka's names.
  out_of_order_sequence,  // a gap in an idempotent producer's sequence numbers
  invalid_producer_epoch, // an older epoch than the partition has seen
  invalid_txn_state,      // a non-transactional batch inside the producer's transaction
  transaction_coordinator_fenced,  // a marker from an older coordinator epoch
};

const char* to_string(Errc e);

}  // namespace fjord::storage
