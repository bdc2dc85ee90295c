#include "broker/config/storage_settings.h"

namespace fjord::broker {

storage::StorageConfig make_storage_config(const ServerConfig& c) {
  storage::StorageConfig s;
  s.log_dirs = c.log_dirs;
  s.retention_check_interval_ms = c.log_retention_check_interval_ms;
  s.page_cache_window_bytes = c.log_cache_window_bytes;
  s.direct_io = c.log_direct_io;
  s.read_threads = c.num_io_threads;
  if (c.log_flush_scheduler_interval_ms != INT64_MAX) s.flush_scheduler_interval_ms = c.log_flush_scheduler_interval_ms;
  auto& d = s.defaults;
  d.segment_bytes = c.log_segment_bytes;
  d.segment_ms = c.log_roll_ms;
  d.retention_ms = c.log_retention_ms;
  d.retention_bytes = c.log_retention_bytes;
  d.index_interval_bytes = c.log_index_interval_bytes;
  d.segment_index_bytes = c.log_index_size_max_bytes;
  d.flush_messages = c.log_flush_interval_messages;
  d.flush_ms = c.log_flush_interval_ms;
  d.cleanup_compact = c.log_cleanup_policy.find("compact") != std::string::npos;
  d.cleanup_delete = c.log_cleanup_policy.find("delete") != std::string::npos;
  d.max_message_bytes = c.message_max_bytes;
  d.log_append_time = c.log_message_timestamp_type == "LogAppendTime";
  d.compression_type = c.compression_type;
  d.preallocate = c.log_preallocate;
  d.file_delete_delay_ms = c.log_segment_delete_delay_ms;
  return s;
}

}  // namespace fjord::broker
