#pragma once
// Broker settings read from a Kafka server.properties file plus
// --override key=value pairs. Parsing lives in server_config.cpp only.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/config/properties.h"

namespace fjord::broker {

struct Listener {
  std::string name = "PLAINTEXT";
  std::string host = "127.0.0.1";
  uint16_t port = 9092;
};

struct ServerConfig {
  // The listeners served to clients (controller.listener.names dropped),
  // all PLAINTEXT.
  std::vector<Listener> listeners{Listener{}};
  // What Metadata tells a client that came through the listener of the same
  // name; a listener not named here advertises itself.
  std::vector<Listener> advertised_listeners;
  int32_t node_id = 0;
  std::vector<std::string> log_dirs{"/tmp/fjord-logs"};

  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  bool auto_create_topics_enable = true;
  bool delete_topic_enable = true;

  int64_t log_retention_ms = 168LL * 3600 * 1000;  // -1 = unlimited
  int64_t log_retention_bytes = -1;
  int64_t log_retention_check_interval_ms = 300000;
  int32_t log_segment_bytes = 1073741824;
  int64_t log_roll_ms = 168LL * 3600 * 1000;
  int32_t log_index_interval_bytes = 4096;
  int32_t log_index_size_max_bytes = 10485760;
  std::optional<int64_t> log_flush_interval_messages;  // unset (with flush.ms unset) = fsync before ack
  std::optional<int64_t> log_flush_interval_ms;  // unset = only on segment roll / shutdown
  int64_t log_flush_scheduler_interval_ms = INT64_MAX;
  std::string log_cleanup_policy = "delete";
  std::string log_message_timestamp_type = "CreateTime";
  bool log_preallocate = false;
  int64_t log_segment_delete_delay_ms = 60000;
  std::string compression_type = "producer";
  bool log_cleaner_enable = true;
  int64_t log_cleaner_backoff_ms = 15000;
  int64_t log_cleaner_dedupe_buffer_size = 128LL << 20;
  int64_t log_cache_window_bytes = 64LL << 20;  // fjord.log.cache.window.bytes; 0 = kernel decides
  bool log_direct_io = true;                     // fjord.log.direct.io

  int32_t message_max_bytes = 1048588;
  int32_t socket_request_max_bytes = 104857600;
  int32_t num_network_threads = 0;  // 0 = max(4, hardware cores)
  int32_t num_io_threads = 8;
  int64_t connections_max_idle_ms = 600000;

  // Transaction coordinator (transaction.state.log.*, transaction cleanup), Kafka's defaults.
  int32_t transaction_state_log_num_partitions = 50;
  int32_t transaction_state_log_segment_bytes = 104857600;
  int32_t transaction_abort_timed_out_transaction_cleanup_interval_ms = 10000;
  int32_t transactional_id_expiration_ms = 604800000;
  int32_t transaction_remove_expired_transaction_cleanup_interval_ms = 3600000;

  // Group coordinator (group.*, offsets.*), Kafka's defaults.
  int32_t group_initial_rebalance_delay_ms = 3000;
  int32_t group_min_session_timeout_ms = 6000;
  int32_t group_max_session_timeout_ms = 1800000;
  int32_t group_max_size = INT32_MAX;
  int32_t group_coordinator_threads = 1;
  int32_t offsets_topic_num_partitions = 50;
  int32_t offsets_topic_segment_bytes = 104857600;
  int64_t offsets_retention_ms = 10080LL * 60000;  // offsets.retention.minutes
  int64_t offsets_retention_check_interval_ms = 600000;
  int32_t offset_metadata_max_bytes = 4096;

  // Producers and transactions, Kafka's defaults.
  int32_t transaction_max_timeout_ms = 900000;
  int32_t producer_id_expiration_ms = 86400000;

  // spdlog levels: "info" or "info,net=debug,storage=warn" (fjord.log.level).
  std::string log_level = "info";

  // Every known key the file and --override set, as given (the last one
  // wins): DescribeConfigs reports these as STATIC_BROKER_CONFIG, and
  // topic defaults without a member above are read from here.
  std::map<std::string, std::string> static_values;
};

struct ConfigResult {
  std::optional<ServerConfig> config;  // set on success
  std::string error;                   // names the offending key
  std::vector<std::string> warnings;   // unknown keys and the like
};

// Applies `props` in order on top of the defaults.
ConfigResult parse_server_config(const Properties& props);

// Reads `path` and then applies `overrides` ("key=value" strings).
ConfigResult load_server_config(const std::string& path, const std::vector<std::string>& overrides);

std::optional<Listener> parse_listener(const std::string& text);

}  // namespace fjord::broker
