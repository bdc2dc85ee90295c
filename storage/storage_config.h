#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "storage/log/log_config.h"

namespace fjord::storage {

struct StorageConfig {
  std::vector<std::string> log_dirs;              // log.dirs
  LogConfig defaults;                             // broker-level log.* defaults for topics
  int64_t retention_check_interval_ms = 300000;   // log.retention.check.interval.ms
  int64_t flush_scheduler_interval_ms = 1000;     // log.flush.scheduler.interval.ms (page-cache mode)
  int32_t recovery_threads = 1;                   // num.recovery.threads.per.data.dir
  bool log_cleaner_enable = true;                 // log.cleaner.enable
  int64_t log_cleaner_dedupe_buffer_size = 128LL << 20;  // log.cleaner.dedupe.buffer.size
  int64_t log_cleaner_backoff_ms = 15000;         // log.cleaner.backoff.ms
  // Page cache kept per partition behind the log end (PageCacheTrimmer);
  // 0 leaves caching to the kernel. fjord.log.cache.window.bytes
  int64_t page_cache_window_bytes = 64LL << 20;
  // New log bytes are kept in memory and written with O_DIRECT (segment_tail.h);
  // the page-cache window then only applies without it. fjord.log.direct.io
  bool direct_io = false;
  // PageCacheLoader threads: fetches wait on them for log bytes not in
  // memory. num.io.threads (Kafka's request threads, which do its disk reads)
  int32_t read_threads = 8;
  // A partition forgets a producer idle this long (producer.id.expiration.ms),
  // checked with retention.
  int64_t producer_id_expiration_ms = 86400000;
};

}  // namespace fjord::storage
