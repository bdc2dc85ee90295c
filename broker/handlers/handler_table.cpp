#include "broker/handlers/handler_table.h"

#include <memory>
#include <stdexcept>
#include <utility>

#include "broker/handlers/alter_configs_handler.h"
#include "broker/handlers/alter_partition_reassignments_handler.h"
#include "broker/handlers/api_versions_handler.h"
#include "broker/handlers/create_partitions_handler.h"
#include "broker/handlers/create_topics_handler.h"
#include "broker/handlers/delete_records_handler.h"
#include "broker/handlers/delete_topics_handler.h"
#include "broker/handlers/describe_cluster_handler.h"
#include "broker/handlers/describe_configs_handler.h"
#include "broker/handlers/describe_log_dirs_handler.h"
#include "broker/handlers/describe_topic_partitions_handler.h"
#include "broker/handlers/elect_leaders_handler.h"
#include "broker/handlers/fetch_handler.h"
#include "broker/handlers/find_coordinator_handler.h"
#include "broker/handlers/incremental_alter_configs_handler.h"
#include "broker/handlers/list_offsets_handler.h"
#include "broker/handlers/list_partition_reassignments_handler.h"
#include "broker/handlers/metadata_handler.h"
#include "broker/handlers/produce_handler.h"
#include "protocol/messages/api_table.h"

namespace fjord::broker {
namespace {

// Version range from the schema table; every version in it is implemented.
ApiHandler entry(int16_t key, std::function<void(Request, Responder)> fn) {
  const protocol::ApiInfo* info = protocol::find_api(key);
  if (!info) throw std::logic_error("no schema for api key " + std::to_string(key));
  return ApiHandler{key, info->min_version, info->max_version, std::move(fn)};
}

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

std::vector<ApiHandler> make_handler_table(BrokerContext& ctx, storage::JobThreads* admin) {
  if (!ctx.configs) throw std::logic_error("BrokerContext::configs is not set");
  std::vector<ApiHandler> t;
  // Produce keeps min 0 (legacy message sets are up-converted): librdkafka
  // only enables compression when Produce v0 is in range.
  t.push_back(entry(0, [&ctx](Request r, Responder out) { handle_produce(ctx, std::move(r), std::move(out)); }));
  t.push_back(entry(1, [&ctx](Request r, Responder out) { handle_fetch(ctx, std::move(r), std::move(out)); }));
  t.push_back(entry(2, [&ctx](Request r, Responder out) { handle_list_offsets(ctx, std::move(r), std::move(out)); }));
  t.push_back(entry(3, [&ctx](Request r, Responder out) { handle_metadata(ctx, std::move(r), std::move(out)); }));
  // FindCoordinator keeps min 0 too: librdkafka enables LZ4 (and consumer
  // groups) only when FindCoordinator v0 is in range.
  t.push_back(entry(10, [&ctx](Request r, Responder out) { handle_find_coordinator(ctx, std::move(r), std::move(out)); }));
  t.push_back(entry(18, [&ctx](Request r, Responder out) { handle_api_versions(ctx, std::move(r), std::move(out)); }));
  t.push_back(entry(19, on_admin_thread(admin, [&ctx](Request r, Responder out) {
                      handle_create_topics(ctx, std::move(r), std::move(out));
                    })));
  t.push_back(entry(20, on_admin_thread(admin, [&ctx](Request r, Responder out) {
                      handle_delete_topics(ctx, std::move(r), std::move(out));
                    })));
  // Changes that write files (config stores, new partitions, segment
  // deletion) run in arrival order on the admin thread too.
  t.push_back(entry(21, on_admin_thread(admin, [&ctx](Request r, Responder out) {
                      handle_delete_records(ctx, std::move(r), std::move(out));
                    })));
  t.push_back(entry(32, [&ctx](Request r, Responder out) { handle_describe_configs(ctx, std::move(r), std::move(out)); }));
  t.push_back(entry(33, on_admin_thread(admin, [&ctx](Request r, Responder out) {
                      handle_alter_configs(ctx, std::move(r), std::move(out));
                    })));
  t.push_back(entry(35, [&ctx](Request r, Responder out) { handle_describe_log_dirs(ctx, std::move(r), std::move(out)); }));
  t.push_back(entry(37, on_admin_thread(admin, [&ctx](Request r, Responder out) {
                      handle_create_partitions(ctx, std::move(r), std::move(out));
                    })));
  t.push_back(entry(43, [&ctx](Request r, Responder out) { handle_elect_leaders(ctx, std::move(r), std::move(out)); }));
  t.push_back(entry(44, on_admin_thread(admin, [&ctx](Request r, Responder out) {
                      handle_incremental_alter_configs(ctx, std::move(r), std::move(out));
                    })));
  t.push_back(entry(45, [&ctx](Request r, Responder out) {
    handle_alter_partition_reassignments(ctx, std::move(r), std::move(out));
  }));
  t.push_back(entry(46, [&ctx](Request r, Responder out) {
    handle_list_partition_reassignments(ctx, std::move(r), std::move(out));
  }));
  t.push_back(entry(60, [&ctx](Request r, Responder out) { handle_describe_cluster(ctx, std::move(r), std::move(out)); }));
  t.push_back(entry(75, [&ctx](Request r, Responder out) {
    handle_describe_topic_partitions(ctx, std::move(r), std::move(out));
  }));
  return t;
}

}  // namespace fjord::broker
