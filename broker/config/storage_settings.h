#pragma once
// Maps broker-level log.* settings onto the storage engine's configuration
// (topic defaults use Kafka's topic-level names there).
#include "broker/config/server_config.h"
#include "storage/storage_config.h"

namespace fjord::broker {

storage::StorageConfig make_storage_config(const ServerConfig& c);

}  // namespace fjord::broker
