#include "broker/server/broker.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "broker/cluster/meta_properties.h"
#include "broker/config/storage_settings.h"
#include "broker/handlers/handler_table.h"
#include "storage/io/segment_tail.h"

namespace fjord::broker {
namespace {

coordinator::GroupCoordinatorOptions group_coordinator_options(const ServerConfig& c) {
  coordinator::GroupCoordinatorOptions o;
  o.group.min_session_timeout_ms = c.group_min_session_timeout_ms;
  o.group.max_session_timeout_ms = c.group_max_session_timeout_ms;
  o.group.initial_rebalance_delay_ms = c.group_initial_rebalance_delay_ms;
  o.group.max_size = c.group_max_size;
  o.group.offsets_retention_ms = c.offsets_retention_ms;
  o.group.offsets_retention_check_interval_ms = c.offsets_retention_check_interval_ms;
  o.group.offset_metadata_max_bytes = c.offset_metadata_max_bytes;
  o.offsets_topic_partitions = c.offsets_topic_num_partitions;
  o.offsets_topic_segment_bytes = c.offsets_topic_segment_bytes;
  o.threads = c.group_coordinator_threads;
  return o;
}

coordinator::TransactionCoordinatorOptions transaction_coordinator_options(const ServerConfig& c) {
  coordinator::TransactionCoordinatorOptions o;
  o.txn.max_timeout_ms = c.transaction_max_timeout_ms;
  o.txn.abort_timed_out_interval_ms = c.transaction_abort_timed_out_transaction_cleanup_interval_ms;
  o.txn.id_expiration_ms = c.transactional_id_expiration_ms;
  o.txn.remove_expired_interval_ms = c.transaction_remove_expired_transaction_cleanup_interval_ms;
  o.state_topic_partitions = c.transaction_state_log_num_partitions;
  o.state_topic_segment_bytes = c.transaction_state_log_segment_bytes;
  o.threads = c.group_coordinator_threads;
  return o;
}

}  // namespace

Broker::Broker(ServerConfig config) : config_(std::move(config)) {}

Broker::~Broker() { shutdown(); }

uint16_t Broker::start() {
  std::string cluster_id = load_or_create_cluster_id(config_.log_dirs, config_.node_id);
  // Dynamic broker configs change the topic defaults the logs open with.
  DynamicBrokerValues dynamic = ConfigManager::load_dynamic(config_, config_.node_id);
  logs_ = std::make_unique<storage::LogManager>(make_storage_config(config_, dynamic));
  if (auto e = logs_->open(); e != storage::Errc::ok)
    throw std::runtime_error(std::string("cannot open log dirs: ") + storage::to_string(e));
  groups_ = std::make_unique<coordinator::GroupCoordinator>(*logs_, leadership_, group_coordinator_options(config_));
  groups_->start();
  producer_ids_ = std::make_unique<coordinator::ProducerIdManager>(
      config_.node_id, std::make_unique<coordinator::FileProducerIdBlockStore>(
                           config_.log_dirs.front() + "/" + coordinator::FileProducerIdBlockStore::kFileName));
  // Transaction markers wake fetches parked on their partitions; those for
  // __consumer_offsets go through the group coordinator.
  markers_ = std::make_unique<coordinator::TxnMarkerWriter>(
      *logs_, [this](const std::string& topic, int32_t partition) { waiters_.notify(topic, partition); });
  markers_->set_offsets_runtime(&groups_->runtime());
  transactions_ = std::make_unique<coordinator::TransactionCoordinator>(
      *logs_, leadership_, transaction_coordinator_options(config_), [ids = producer_ids_.get()] {
        int64_t id = -1;
        return ids->generate(&id) ? id : -1;
      }, *markers_);
  transactions_->start();

  // Default: at least 4. Handlers run on these threads and block in pwrite
  // and page faults; with fewer threads than busy connections one stalled
  // write holds up the others (2 threads on 2 cores: 1.2 GB/s; 4: 1.3 GB/s
  // and 10% less CPU per GB, docs/performance.md).
  int threads = config_.num_network_threads > 0
                    ? config_.num_network_threads
                    : static_cast<int>(std::max(4u, std::thread::hardware_concurrency()));
  threads_ = std::make_unique<NetworkThreads>(threads);
  ConnectionLimits limits;
  limits.max_request_bytes = config_.socket_request_max_bytes;
  limits.idle_timeout = std::chrono::milliseconds(config_.connections_max_idle_ms);
  // Big produce batches are received at the offset within a file block that
  // their log's next batch will have, so the log tail keeps them uncopied.
  limits.records_placer = [logs = logs_.get()](const std::string& topic, int32_t partition) {
    auto log = logs->partition(topic, partition);
    return log ? int(log->next_batch_position() % storage::SegmentTail::kBlock) : -1;
  };
  std::vector<BrokerContext::Endpoint> advertised;
  std::vector<uint16_t> ports;
  for (size_t i = 0; i < config_.listeners.size(); ++i) {
    const Listener& listener = config_.listeners[i];
    limits.listener = static_cast<int>(i);
    servers_.push_back(std::make_unique<TcpServer>(*threads_, dispatcher_, limits));
    ports.push_back(servers_.back()->listen(listener.host, listener.port));
    // advertised.listeners' entry of the same name (port 0 there: the bound
    // one), else the listener itself.
    BrokerContext::Endpoint e{listener.host, ports.back()};
    for (const Listener& adv : config_.advertised_listeners)
      if (adv.name == listener.name) e = {adv.host, adv.port == 0 ? ports.back() : adv.port};
    advertised.push_back(e);
  }
  configs_ = std::make_unique<ConfigManager>(config_, config_.node_id, *logs_, std::move(dynamic));
  context_ = std::unique_ptr<BrokerContext>(new BrokerContext{
      .config = config_,
      .logs = *logs_,
      .fetch_sessions = fetch_sessions_,
      .waiters = waiters_,
      .dispatcher = dispatcher_,
      .cluster_id = cluster_id,
      .node_id = config_.node_id,
      .advertised = std::move(advertised),
      .groups = groups_.get(),
      .transaction_coordinator = transactions_.get(),
      .configs = configs_.get(),
      .producer_ids = producer_ids_.get(),
      .transactions = transactions_.get(),
  });
  admin_ = std::make_unique<storage::JobThreads>("fj-admin", 1);
  dispatcher_.set_table(make_handler_table(*context_, admin_.get()));

  threads_->start();
  // Shards load in the background and answer COORDINATOR_LOAD_IN_PROGRESS
  // meanwhile; at start-up clients need not see that: give loading a while.
  if (!groups_->runtime().wait_loaded(std::chrono::seconds(30)))
    spdlog::warn("group coordinator: still loading after 30 s; serving meanwhile");
  if (!transactions_->runtime().wait_loaded(std::chrono::seconds(30)))
    spdlog::warn("transaction coordinator: still loading after 30 s; serving meanwhile");
  for (auto& s : servers_) s->start_accepting();
  started_ = true;
  std::string dirs;
  for (const auto& d : config_.log_dirs) dirs += (dirs.empty() ? "" : ",") + d;
  spdlog::info("fjord node {} (cluster {}) with {} network threads, log dirs {}", config_.node_id, cluster_id,
               threads, dirs);
  for (size_t i = 0; i < servers_.size(); ++i)
    spdlog::info("listening on {}:{} ({})", config_.listeners[i].host, ports[i], config_.listeners[i].name);
  return ports.front();
}

void Broker::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  if (started_) {
    spdlog::info("shutting down: no new connections, finishing in-flight requests");
    for (auto& s : servers_) s->stop_accepting();
    context_->shutting_down = true;
    waiters_.notify_all();  // parked fetches answer now with what they have
    transactions_->shutdown();
    markers_->drain(10000);  // markers in flight may still write through the group coordinator
    groups_->shutdown();    // parked JoinGroup/SyncGroup answer NOT_COORDINATOR
    for (auto& s : servers_) s->drain(std::chrono::seconds(10));
    waiters_.notify_all();
    threads_->stop();
  }
  if (admin_) admin_->stop();  // before the logs it writes go
  if (transactions_) transactions_->shutdown();
  if (markers_) markers_->drain(10000);
  if (groups_) groups_->shutdown();
  if (logs_) {
    logs_->shutdown();
    spdlog::info("logs flushed; clean shutdown");
  }
}

}  // namespace fjord::broker
