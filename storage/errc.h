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
};

const char* to_string(Errc e);

}  // namespace fjord::storage
