#pragma once
// Wires the pieces together: storage, network threads, listener, handler
// table. start() brings the broker up; shutdown() is Kafka's controlled
// shutdown for a single node (stop accepting, answer what is in flight,
// flush and mark logs clean).
#include <memory>
#include <vector>

#include "broker/cluster/local_leadership.h"
#include "broker/config/config_manager.h"
#include "broker/config/server_config.h"
#include "broker/coordinator/group_coordinator.h"
#include "broker/coordinator/producer_id_manager.h"
#include "broker/coordinator/transaction_coordinator.h"
#include "broker/coordinator/txn_marker_writer.h"
#include "broker/dispatch/dispatcher.h"
#include "broker/fetch/fetch_session_cache.h"
#include "broker/fetch/partition_waiters.h"
#include "broker/handlers/broker_context.h"
#include "broker/net/network_threads.h"
#include "broker/net/tcp_server.h"
#include "storage/job_threads.h"
#include "storage/log/log_manager.h"

namespace fjord::broker {

class Broker {
 public:
  explicit Broker(ServerConfig config);
  ~Broker();

  // Throws std::runtime_error on start-up failure. Returns the first
  // listener's bound port.
  uint16_t start();
  void shutdown();

 private:
  ServerConfig config_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<ConfigManager> configs_;
  LocalLeadership leadership_;
  std::unique_ptr<coordinator::GroupCoordinator> groups_;  // before logs_ goes: it writes them
  std::unique_ptr<coordinator::ProducerIdManager> producer_ids_;
  std::unique_ptr<coordinator::TxnMarkerWriter> markers_;  // used by transactions_
  std::unique_ptr<coordinator::TransactionCoordinator> transactions_;
  FetchSessionCache fetch_sessions_;
  PartitionWaiters waiters_;
  Dispatcher dispatcher_;
  std::unique_ptr<BrokerContext> context_;
  std::unique_ptr<storage::JobThreads> admin_;  // HandlerThread::admin handlers (handler_table.h)
  std::unique_ptr<NetworkThreads> threads_;
  std::vector<std::unique_ptr<TcpServer>> servers_;  // one per listener
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace fjord::broker
