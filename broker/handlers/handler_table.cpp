#include "broker/handlers/handler_table.h"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "broker/handlers/add_offsets_to_txn_handler.h"
#include "broker/handlers/add_partitions_to_txn_handler.h"
#include "broker/handlers/alter_configs_handler.h"
#include "broker/handlers/alter_partition_reassignments_handler.h"
#include "broker/handlers/api_versions_handler.h"
#include "broker/handlers/create_partitions_handler.h"
#include "broker/handlers/create_topics_handler.h"
#include "broker/handlers/delete_groups_handler.h"
#include "broker/handlers/delete_records_handler.h"
#include "broker/handlers/delete_topics_handler.h"
#include "broker/handlers/describe_cluster_handler.h"
#include "broker/handlers/describe_configs_handler.h"
#include "broker/handlers/describe_groups_handler.h"
#include "broker/handlers/describe_log_dirs_handler.h"
#include "broker/handlers/describe_producers_handler.h"
#include "broker/handlers/describe_topic_partitions_handler.h"
#include "broker/handlers/describe_transactions_handler.h"
#include "broker/handlers/elect_leaders_handler.h"
#include "broker/handlers/end_txn_handler.h"
#include "broker/handlers/fetch_handler.h"
#include "broker/handlers/find_coordinator_handler.h"
#include "broker/handlers/heartbeat_handler.h"
#include "broker/handlers/incremental_alter_configs_handler.h"
#include "broker/handlers/init_producer_id_handler.h"
#include "broker/handlers/join_group_handler.h"
#include "broker/handlers/leave_group_handler.h"
#include "broker/handlers/list_groups_handler.h"
#include "broker/handlers/list_offsets_handler.h"
#include "broker/handlers/list_partition_reassignments_handler.h"
#include "broker/handlers/list_transactions_handler.h"
#include "broker/handlers/metadata_handler.h"
#include "broker/handlers/offset_commit_handler.h"
#include "broker/handlers/offset_delete_handler.h"
#include "broker/handlers/offset_fetch_handler.h"
#include "broker/handlers/offset_for_leader_epoch_handler.h"
#include "broker/handlers/produce_handler.h"
#include "broker/handlers/sync_group_handler.h"
#include "broker/handlers/txn_offset_commit_handler.h"
#include "protocol/messages/api_table.h"

namespace fjord::broker {
namespace {

// One line per served API, in key order. Versions and thread are in each
// handler's header.
constexpr ApiSpec kServedApis[] = {
    kProduceApi,
    kFetchApi,
    kListOffsetsApi,
    kMetadataApi,
    kOffsetCommitApi,
    kOffsetFetchApi,
    kFindCoordinatorApi,
    kJoinGroupApi,
    kHeartbeatApi,
    kLeaveGroupApi,
    kSyncGroupApi,
    kDescribeGroupsApi,
    kListGroupsApi,
    kApiVersionsApi,
    kCreateTopicsApi,
    kDeleteTopicsApi,
    kDeleteRecordsApi,
    kOffsetForLeaderEpochApi,
    kInitProducerIdApi,
    kAddPartitionsToTxnApi,
    kAddOffsetsToTxnApi,
    kEndTxnApi,
    kTxnOffsetCommitApi,
    kDescribeConfigsApi,
    kAlterConfigsApi,
    kDescribeLogDirsApi,
    kCreatePartitionsApi,
    kDeleteGroupsApi,
    kElectLeadersApi,
    kIncrementalAlterConfigsApi,
    kAlterPartitionReassignmentsApi,
    kListPartitionReassignmentsApi,
    kOffsetDeleteApi,
    kDescribeClusterApi,
    kDescribeProducersApi,
    kDescribeTransactionsApi,
    kListTransactionsApi,
    kDescribeTopicPartitionsApi,
};

using Handler = std::function<void(Request, Responder)>;

// `fn` run by `admin` when there is one.
Handler on_admin_thread(storage::JobThreads* admin, Handler fn) {
  if (!admin) return fn;
  return [admin, fn = std::move(fn)](Request r, Responder out) {
    // std::function needs a copyable job: the request and responder travel in a shared box.
    auto job = std::make_shared<std::pair<Request, Responder>>(std::move(r), std::move(out));
    admin->post([fn, job] { fn(std::move(job->first), std::move(job->second)); });
  };
}

}  // namespace

std::span<const ApiSpec> served_apis() { return kServedApis; }

void check_against_schemas(std::span<const ApiSpec> specs) {
  for (size_t i = 0; i < specs.size(); ++i) {
    const ApiSpec& spec = specs[i];
    const std::string api = std::string(spec.name) + " (api key " + std::to_string(spec.key) + ")";
    const protocol::ApiInfo* schema = protocol::find_api(spec.key);
    if (!schema) throw std::logic_error(api + ": no schema for this key");
    if (std::strcmp(schema->name, spec.name) != 0)
      throw std::logic_error(api + ": the schema names key " + std::to_string(spec.key) + " " + schema->name);
    if (spec.min > spec.max || spec.min < schema->min_version || spec.max > schema->max_version)
      throw std::logic_error(api + ": declares versions " + std::to_string(spec.min) + "-" + std::to_string(spec.max) +
                             ", the codecs support " + std::to_string(schema->min_version) + "-" +
                             std::to_string(schema->max_version));
    if (!spec.handle) throw std::logic_error(api + ": no handler function");
    for (size_t j = 0; j < i; ++j)
      if (specs[j].key == spec.key) throw std::logic_error(api + ": listed twice");
  }
}

std::vector<ApiHandler> make_handler_table(BrokerContext& ctx, storage::JobThreads* admin) {
  check_against_schemas(served_apis());
  std::vector<ApiHandler> t;
  for (const ApiSpec& spec : served_apis()) {
    Handler fn = [&ctx, handle = spec.handle](Request r, Responder out) { handle(ctx, std::move(r), std::move(out)); };
    if (spec.thread == HandlerThread::admin) fn = on_admin_thread(admin, std::move(fn));
    t.push_back(ApiHandler{spec.key, spec.min, spec.max, std::move(fn)});
  }
  return t;
}

}  // namespace fjord::broker
