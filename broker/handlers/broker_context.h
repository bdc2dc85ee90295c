#pragma once
// What every API handler may use: settings, the storage engine, node
// identity and the fetch machinery. Owned by Broker; handlers keep a
// reference. Everything here is thread-safe or immutable after start-up.
//
// Built with designated initializers, members named in declaration order:
//   BrokerContext{.config = c, .logs = l, ..., .advertised = {...}}
// A reference member must be named at every construction (Broker::start and
// tests/broker/handlers/handler_fixture.cpp). A member added later with a
// default (a coordinator as `GroupCoordinator* groups = nullptr;`) is named
// only where it is set: Broker::start and the tests of its handlers.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "broker/config/server_config.h"
#include "broker/fetch/fetch_session_cache.h"
#include "broker/fetch/partition_waiters.h"
#include "storage/log/log_manager.h"

namespace fjord::broker {

class Dispatcher;
class ConfigManager;
namespace coordinator {
class GroupCoordinator;
class ProducerIdManager;
class TransactionalProducerIds;
class TransactionCoordinator;
}

struct BrokerContext {
  // Per listener (index as in config.listeners): the endpoint Metadata and
  // FindCoordinator give clients that came through it, as Kafka answers
  // with the advertised listener of the same name.
  struct Endpoint {
    std::string host;
    int32_t port = 0;
  };

  const ServerConfig& config;
  storage::LogManager& logs;
  FetchSessionCache& fetch_sessions;
  PartitionWaiters& waiters;
  const Dispatcher& dispatcher;  // ApiVersions advertises its table
  std::string cluster_id;
  int32_t node_id = 0;
  std::vector<Endpoint> advertised;
  coordinator::GroupCoordinator* groups = nullptr;  // the group APIs' coordinator
  // The transaction APIs' coordinator (FindCoordinator key type 1, AddPartitionsToTxn, ...).
  coordinator::TransactionCoordinator* transaction_coordinator = nullptr;
  std::atomic<bool> shutting_down{false};
  // Topic and dynamic broker configs: DescribeConfigs, the alter APIs,
  // CreateTopics' answer. Set by Broker::start.
  ConfigManager* configs = nullptr;
  // InitProducerId: ids for idempotent producers (Broker::start sets it),
  // and the transaction coordinator for transactional ids (null until it exists).
  coordinator::ProducerIdManager* producer_ids = nullptr;
  coordinator::TransactionalProducerIds* transactions = nullptr;

  const Endpoint& advertised_for(int listener) const {
    return advertised.at(listener >= 0 && size_t(listener) < advertised.size() ? size_t(listener) : 0);
  }
};

}  // namespace fjord::broker
