#pragma once
// What every API handler may use: settings, the storage engine, node
// identity and the fetch machinery. Owned by Broker; handlers keep a
// reference. Everything here is thread-safe or immutable after start-up.
#include <atomic>
#include <cstdint>
#include <string>

#include "broker/config/server_config.h"
#include "broker/fetch/fetch_session_cache.h"
#include "broker/fetch/partition_waiters.h"
#include "storage/log_manager.h"

namespace fjord::broker {

class Dispatcher;

struct BrokerContext {
  const ServerConfig& config;
  storage::LogManager& logs;
  FetchSessionCache& fetch_sessions;
  PartitionWaiters& waiters;
  const Dispatcher& dispatcher;  // ApiVersions advertises its table
  std::string cluster_id;
  int32_t node_id = 0;
  std::string advertised_host;
  int32_t advertised_port = 0;
  std::atomic<bool> shutting_down{false};
};

}  // namespace fjord::broker
