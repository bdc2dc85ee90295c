#include "broker/handlers/list_offsets_handler.h"

#include <memory>
#include <vector>

#include <boost/asio/post.hpp>

#include "broker/cluster/leader_epoch_fence.h"
#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/list_offsets_response.h"
#include "storage/io/page_cache_loader.h"

namespace fjord::broker {
namespace {

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
constexpr int64_t kMaxTimestamp = -3;
constexpr int64_t kEarliestLocal = -4;
constexpr int64_t kLatestTiered = -5;

void answer(BrokerContext& ctx, Request req, Responder out, int round);

// Has `loads` read into the page cache off this thread, then answers again.
void load_then_answer(BrokerContext& ctx, Request req, Responder out, int round,
                      std::vector<storage::CacheLoad> loads) {
  // std::function needs a copyable callback: the request and responder travel in a shared box.
  auto job = std::make_shared<std::pair<Request, Responder>>(std::move(req), std::move(out));
  ctx.logs.page_cache_loader()->load_all(std::move(loads), [&ctx, job, round] {
    boost::asio::post(*job->first.io, [&ctx, job, round] {
      answer(ctx, std::move(job->first), std::move(job->second), round + 1);
    });
  });
}

// A timestamp lookup reads batches from the log; log data not in memory is
// loaded first by the PageCacheLoader, so the network thread never waits
// for the disk (see FetchOperation).
void answer(BrokerContext& ctx, Request req, Responder out, int round) {
  protocol::ListOffsetsRequest body;
  if (!decode_body(req, &body)) return out.close();
  const int16_t v = req.api_version;
  const bool cached_only = ctx.logs.page_cache_loader() && round < storage::PageCacheLoader::kMaxRounds;
  std::vector<storage::CacheLoad> loads;
  protocol::ListOffsetsResponse resp;
  for (const auto& topic : body.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = topic.name;
    for (const auto& p : topic.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      auto log = ctx.logs.partition(topic.name, p.partition_index);
      if (!log) {
        pr.error_code = kafka_error::kUnknownTopicOrPartition;
        continue;
      }
      pr.error_code = leader_epoch_fence(p.current_leader_epoch, log->leader_epoch());
      if (pr.error_code != kafka_error::kNone) continue;
      int64_t offset = -1, timestamp = -1;
      storage::CacheLoad load;
      storage::CacheLoad* const not_cached = cached_only ? &load : nullptr;
      switch (p.timestamp) {
        case kLatest:
          // READ_COMMITTED (v2+) sees up to the last stable offset.
          offset = v >= 2 && body.isolation_level == 1 ? log->last_stable_offset() : log->high_watermark();
          break;
        case kEarliest:
        case kEarliestLocal:
          offset = log->log_start_offset();
          break;
        case kMaxTimestamp: {
          auto [o, ts] = log->max_timestamp_offset(not_cached);
          offset = o;
          timestamp = ts;
          break;
        }
        case kLatestTiered:
          break;  // no tiered storage: nothing uploaded
        default:
          if (p.timestamp < 0) {
            pr.error_code = kafka_error::kInvalidRequest;
            continue;
          }
          if (auto found = log->offset_for_timestamp(p.timestamp, not_cached)) {
            offset = found->first;
            timestamp = found->second;
          }
      }
      if (load.fd >= 0) {
        loads.push_back(std::move(load));
        continue;
      }
      // A lookup by time never names an offset a READ_COMMITTED reader may
      // not read yet (Kafka's fetchOffsetForTimestamp).
      if (p.timestamp != kLatest && p.timestamp != kEarliest && p.timestamp != kEarliestLocal && v >= 2 &&
          body.isolation_level == 1 && offset >= log->last_stable_offset()) {
        offset = -1;
        timestamp = -1;
      }
      if (v == 0) {
        // v0 answers with a list of offsets (at most max_num_offsets).
        if (offset >= 0 && p.max_num_offsets > 0) pr.old_style_offsets.push_back(offset);
        continue;
      }
      pr.offset = offset;
      pr.timestamp = timestamp;
      // The epoch stamped into the batch at `offset`: one per log until
      // replication moves leaders, so the log's current one.
      pr.leader_epoch = offset >= 0 ? log->leader_epoch() : -1;
    }
  }
  if (!loads.empty()) return load_then_answer(ctx, std::move(req), std::move(out), round, std::move(loads));
  out.respond(encode_response(req, resp));
}

}  // namespace

void handle_list_offsets(BrokerContext& ctx, Request req, Responder out) { answer(ctx, std::move(req), std::move(out), 0); }

}  // namespace fjord::broker
