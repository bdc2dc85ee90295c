#include "broker/fetch/fetch_operation.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>

#include <boost/asio/post.hpp>

#include "broker/cluster/leader_epoch_fence.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/fetch_response.h"
#include "protocol/records/legacy_message_set.h"
#include "storage/io/page_cache_loader.h"
#include "storage/log/partition_log.h"

namespace fjord::broker {

struct FetchOperation::Result {
  int16_t error = 0;
  storage::ReadResult read;
  bool has_offsets = false;
  std::vector<storage::AbortedTxn> aborted;  // read committed
};

FetchOperation::FetchOperation(BrokerContext& ctx, Request req, Responder out, FetchLimits limits,
                               FetchContext session, std::vector<FetchFailure> failures)
    : ctx_(ctx),
      req_(std::move(req)),
      out_(std::move(out)),
      limits_(limits),
      session_(std::move(session)),
      failures_(std::move(failures)),
      timer_(*req_.io) {}

void FetchOperation::start() { attempt(false); }

void FetchOperation::wake() {
  boost::asio::post(*req_.io, [self = shared_from_this()] {
    if (!self->done_) self->attempt(false);
  });
}

void FetchOperation::attempt(bool deadline_passed) {
  if (loading_) {  // the loads' completion attempts again
    deadline_passed_ = deadline_passed_ || deadline_passed;
    return;
  }
  const bool may_wait = !deadline_passed && limits_.max_wait_ms > 0 && !ctx_.shutting_down.load() &&
                        failures_.empty() && !session_.targets.empty();
  // Register before reading so an append between the read and the
  // registration still wakes us.
  if (may_wait) {
    std::weak_ptr<FetchWaiter> self = std::static_pointer_cast<FetchWaiter>(shared_from_this());
    for (const auto& t : session_.targets) ctx_.waiters.add(t.key.topic, t.key.partition, self);
  }

  std::vector<Result> results(session_.targets.size());
  int64_t total = 0;
  bool any_error = false;
  storage::PageCacheLoader* loader = ctx_.logs.page_cache_loader();
  const auto mode = loader && load_rounds_ < storage::PageCacheLoader::kMaxRounds ? storage::ReadMode::cached_only
                                                                                 : storage::ReadMode::may_block;
  std::vector<storage::CacheLoad> loads;
  for (size_t i = 0; i < session_.targets.size(); ++i) {
    const auto& t = session_.targets[i];
    auto& r = results[i];
    auto log = ctx_.logs.partition(t.key.topic, t.key.partition);
    if (!log) {
      r.error = kafka_error::kUnknownTopicOrPartition;
      any_error = true;
      continue;
    }
    if (int16_t fenced = leader_epoch_fence(t.current_leader_epoch, log->leader_epoch())) {
      r.error = fenced;
      any_error = true;
      continue;
    }
    int64_t remaining = static_cast<int64_t>(limits_.max_bytes) - total;
    int32_t limit = static_cast<int32_t>(std::max<int64_t>(0, std::min<int64_t>(t.max_bytes, remaining)));
    // Kafka's rule: the first partition with data returns at least one
    // whole batch even above the limits, so consumers never get stuck.
    const std::optional<int64_t> upto =
        limits_.read_committed ? std::optional<int64_t>(log->last_stable_offset()) : std::nullopt;
    r.read = log->read(t.fetch_offset, limit, total == 0, upto, mode);
    r.has_offsets = true;
    if (r.read.error == storage::Errc::not_cached) {
      loads.push_back(std::move(r.read.load));
      continue;
    }
    if (r.read.error != storage::Errc::ok) {
      r.error = kafka_error::from_storage(r.read.error);
      r.read.high_watermark = log->high_watermark();
      r.read.log_start_offset = log->log_start_offset();
      r.read.last_stable_offset = log->last_stable_offset();
      r.read.slice = {};
      r.read.keepalive.reset();
      r.read.more.clear();
      r.read.more_keepalive.clear();
      any_error = true;
      continue;
    }
    // Kafka's upper bound is past the returned batches; the stable end read
    // up to bounds them too (a consumer ignores entries it never reaches).
    if (upto && r.read.length() > 0) r.aborted = log->aborted_transactions(t.fetch_offset, *upto);
    total += r.read.length();
  }
  if (!loads.empty()) return load_then_retry(std::move(loads));

  if (may_wait && !any_error && total < limits_.min_bytes) {
    if (!parked_) {
      parked_ = true;
      timer_.expires_after(std::chrono::milliseconds(limits_.max_wait_ms));
      timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec && !self->done_) self->attempt(true);
      });
    }
    return;
  }
  respond(results);
}

void FetchOperation::load_then_retry(std::vector<storage::CacheLoad> loads) {
  ++load_rounds_;
  loading_ = true;
  // The completion runs on a loader thread: hand our reference straight to
  // the connection's thread so the operation is only ever touched there.
  ctx_.logs.page_cache_loader()->load_all(std::move(loads), [self = shared_from_this()]() mutable {
    auto* io = self->req_.io;
    boost::asio::post(*io, [self = std::move(self)] {
      self->loading_ = false;
      if (self->done_) return;
      const bool deadline_passed = self->deadline_passed_;
      self->deadline_passed_ = false;
      self->attempt(deadline_passed);
    });
  });
}

void FetchOperation::respond(std::vector<Result>& results) {
  done_ = true;
  timer_.cancel();
  using Response = protocol::FetchResponse;
  const int16_t v = req_.api_version;
  Response resp;
  resp.session_id = session_.response_session_id;
  std::vector<std::shared_ptr<const void>> keepalive;

  for (const auto& f : failures_) {
    auto& tr = resp.responses.emplace_back();
    tr.topic = f.topic;
    tr.topic_id = f.topic_id;
    auto& pd = tr.partitions.emplace_back();
    pd.partition_index = f.partition;
    pd.error_code = f.error;
    pd.high_watermark = -1;
    pd.records.is_null = false;
  }

  thread_local std::vector<uint8_t> scratch;
  for (size_t i = 0; i < session_.targets.size(); ++i) {
    const auto& t = session_.targets[i];
    auto& r = results[i];
    const bool has_records = r.read.slice.length > 0;
    if (session_.session) {
      bool changed = session_.session->note_response(t.key, r.has_offsets ? r.read.high_watermark : -1,
                                                     r.has_offsets ? r.read.log_start_offset : -1, has_records,
                                                     r.error != 0);
      if (session_.incremental && !changed) continue;
    }
    if (resp.responses.empty() || resp.responses.back().topic != t.key.topic ||
        resp.responses.back().topic_id != t.topic_id) {
      auto& tr = resp.responses.emplace_back();
      tr.topic = t.key.topic;
      tr.topic_id = t.topic_id;
    }
    auto& pd = resp.responses.back().partitions.emplace_back();
    pd.partition_index = t.key.partition;
    pd.error_code = r.error;
    pd.high_watermark = r.has_offsets ? r.read.high_watermark : -1;
    pd.last_stable_offset = r.has_offsets ? r.read.last_stable_offset : -1;
    pd.log_start_offset = r.has_offsets ? r.read.log_start_offset : -1;
    pd.records.is_null = false;
    if (!r.aborted.empty()) {
      pd.aborted_transactions.emplace();
      for (const auto& a : r.aborted) pd.aborted_transactions->push_back({a.producer_id, a.first_offset});
    }
    if (!has_records) continue;
    if (v >= 4) {
      pd.records.file = r.read.slice;  // sent with sendfile, never copied
      pd.records.more_file = std::move(r.read.more);
      keepalive.push_back(r.read.keepalive);
      for (auto& k : r.read.more_keepalive) keepalive.push_back(std::move(k));
      continue;
    }
    // Fetch v0-3 readers only understand magic 0/1 message sets. Only the
    // first piece of a read is converted; the reader fetches again for more.
    // Bytes still in a log's tail are converted where they are; file bytes are read first.
    const auto& slice = r.read.slice;
    std::vector<uint8_t> raw;
    bool read_ok = true;
    if (!slice.memory) {
      raw.resize(slice.length);
      read_ok = ::pread(slice.fd, raw.data(), raw.size(), static_cast<off_t>(slice.position)) ==
                static_cast<ssize_t>(raw.size());
    }
    const uint8_t* bytes = slice.memory ? slice.memory : raw.data();
    auto converted = std::make_shared<std::vector<uint8_t>>();
    if (!read_ok || protocol::down_convert_to_legacy(bytes, slice.length, v <= 1 ? 0 : 1, scratch, *converted) !=
                        protocol::BatchError::ok) {
      spdlog::warn("{}: down-conversion of {}-{} failed", req_.peer, t.key.topic, t.key.partition);
      pd.error_code = kafka_error::kCorruptMessage;
      continue;
    }
    pd.records.data = converted->data();
    pd.records.size = static_cast<uint32_t>(converted->size());
    keepalive.push_back(converted);
  }
  OutgoingResponse encoded = encode_response(req_, resp);
  encoded.keepalive = std::move(keepalive);
  out_.respond(std::move(encoded));
}

}  // namespace fjord::broker
