#include "broker/handlers/produce_handler.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <vector>

#include "broker/coordinator/transaction_coordinator.h"
#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "broker/topics/auto_create.h"
#include "broker/topics/internal_topics.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "protocol/records/batch_recompression.h"
#include "protocol/records/batch_validation.h"
#include "protocol/records/legacy_message_set.h"
#include "protocol/records/record_batch.h"

namespace fjord::broker {
namespace {

using PartitionResponse = protocol::ProduceResponse::PartitionProduceResponse;

// Answers once every partition of an acks=all request is durable.
struct PendingProduce {
  Request req;
  Responder out;
  protocol::ProduceResponse resp;
  std::atomic<int> outstanding{1};

  void release() {
    if (outstanding.fetch_sub(1, std::memory_order_acq_rel) == 1) out.respond(encode_response(req, resp));
  }
};

int16_t batch_error_code(protocol::BatchError e) {
  using protocol::BatchError;
  switch (e) {
    case BatchError::ok: return kafka_error::kNone;
    case BatchError::bad_magic:
    case BatchError::bad_records: return kafka_error::kInvalidRecord;
    default: return kafka_error::kCorruptMessage;
  }
}

// Appends every batch in `data` (checked and validated first). Fills base
// offset, append time and log start in `pr`. `as_sent`: the client's own
// batches (false after conversion to the topic's codec, already checked).
// `owner`: the bytes are in an arena slot the log may keep (DetachedRecords).
int16_t append_batches(storage::PartitionLog& log, uint8_t* data, size_t size, int16_t version,
                       PartitionResponse* pr, int64_t* last_offset, bool as_sent = true,
                       const std::shared_ptr<const void>& owner = {}) {
  thread_local std::vector<uint8_t> scratch;
  // Validate everything before appending anything, so a request either
  // lands whole or not at all for this partition.
  std::vector<protocol::RecordBatchView> batches;
  size_t pos = 0;
  while (pos < size) {
    protocol::RecordBatchView view;
    auto e = protocol::RecordBatchView::parse(data + pos, size - pos, &view);
    if (e != protocol::BatchError::ok) return batch_error_code(e);
    // Markers come from the transaction coordinator only (Kafka's LogValidator).
    if (view.control()) return kafka_error::kInvalidRecord;
    if (as_sent && version < 7 && view.compression() == protocol::Compression::zstd)
      return kafka_error::kUnsupportedCompressionType;
    protocol::BatchSummary summary;
    e = protocol::validate(view, scratch, {}, &summary);
    if (e != protocol::BatchError::ok) return batch_error_code(e);
    // Kafka sets a CreateTime batch's max timestamp from its records (Go's
    // sarama 1.22 leaves it -1, and ListOffsets by time then missed the
    // batch). Only a wrong header costs a CRC; LogAppendTime topics have it
    // rewritten on append anyway.
    if (!view.log_append_time() && view.max_timestamp() != summary.max_timestamp)
      view.set_create_time_max_timestamp(summary.max_timestamp);
    batches.push_back(view);
    pos += view.total_size();
  }
  if (batches.empty()) return version >= 3 ? kafka_error::kInvalidRecord : kafka_error::kCorruptMessage;
  // Produce v3+ carries exactly one magic-2 batch per partition.
  if (version >= 3 && batches.size() != 1) return kafka_error::kInvalidRecord;
  bool first = true;
  for (auto& view : batches) {
    storage::AppendInfo info;
    auto e = log.append(view, &info, owner);
    if (e != storage::Errc::ok) return kafka_error::from_storage(e);
    if (first) {
      pr->base_offset = info.base_offset;
      pr->log_append_time_ms = info.log_append_time;
      first = false;
    }
    pr->log_start_offset = info.log_start_offset;
    *last_offset = info.last_offset;
  }
  return kafka_error::kNone;
}

// Whether any batch in data[0..size) is in another codec than `codec`
// (a malformed one too: recompress_batches then reports it). *zstd: one is
// zstd, which Produce before v7 may not carry whatever the topic stores.
bool needs_recompression(const uint8_t* data, size_t size, protocol::Compression codec, bool* zstd) {
  bool needs = false;
  size_t pos = 0;
  while (pos < size) {
    protocol::RecordBatchView view;
    if (protocol::RecordBatchView::parse(const_cast<uint8_t*>(data + pos), size - pos, &view) !=
        protocol::BatchError::ok)
      return true;
    if (view.compression() == protocol::Compression::zstd) *zstd = true;
    if (view.compression() != codec && !view.control()) needs = true;
    pos += view.total_size();
  }
  return needs;
}

int16_t produce_partition(BrokerContext& ctx, const std::string& topic, int32_t partition,
                          protocol::Records& records, const std::shared_ptr<const void>& owner, int16_t version,
                          int16_t acks, PartitionResponse* pr, std::shared_ptr<storage::PartitionLog>* log_out,
                          int64_t* last_offset) {
  // Only the coordinators write internal topics (Kafka: "Cannot append to internal topic").
  if (is_internal_topic(topic)) return kafka_error::kInvalidTopic;
  auto log = ctx.logs.partition(topic, partition);
  if (!log && !ctx.logs.topic(topic)) {
    if (auto_create_topic(ctx, topic) == storage::Errc::ok) log = ctx.logs.partition(topic, partition);
  }
  if (!log) return kafka_error::kUnknownTopicOrPartition;
  // The only replica is the whole ISR (Kafka's Partition.appendRecordsToLeader).
  if (acks == -1 && log->min_insync_replicas() > 1) return kafka_error::kNotEnoughReplicas;
  if (records.is_null || records.size == 0 || !records.data)
    return version >= 3 ? kafka_error::kInvalidRecord : kafka_error::kCorruptMessage;
  uint8_t* data = records.data;
  size_t size = records.size;
  if (size <= protocol::kMagicOffset) return kafka_error::kCorruptMessage;
  int8_t magic = static_cast<int8_t>(data[protocol::kMagicOffset]);
  // The topic's compression.type, unless "producer" (batches kept as sent).
  const std::optional<protocol::Compression> codec = log->stored_codec();
  thread_local std::vector<uint8_t> scratch;
  if (magic != 2) {
    if (version >= 3 || magic < 0) return kafka_error::kInvalidRecord;
    // Pre-0.11 producers: convert the message set to one magic-2 batch,
    // compressed with the topic's codec or else the producer's, as Kafka does.
    std::vector<uint8_t> converted;
    auto e = protocol::up_convert_legacy(data, size, codec, scratch, converted);
    if (e != protocol::BatchError::ok) return kafka_error::kCorruptMessage;
    *log_out = log;
    return append_batches(*log, converted.data(), converted.size(), version, pr, last_offset, false);
  }
  *log_out = log;
  bool zstd = false;
  if (codec && needs_recompression(data, size, *codec, &zstd)) {
    if (version < 7 && zstd) return kafka_error::kUnsupportedCompressionType;
    std::vector<uint8_t> converted;
    auto e = protocol::recompress_batches(data, size, *codec, scratch, converted);
    if (e != protocol::BatchError::ok) return batch_error_code(e);
    return append_batches(*log, converted.data(), converted.size(), version, pr, last_offset, false);
  }
  return append_batches(*log, data, size, version, pr, last_offset, true, owner);
}

// Puts the records fields the frame reader received outside the frame back
// into the decoded request; *owners gets each partition entry's slot owner
// (null for a field read into the frame).
void attach_detached(FrameBytes& frame, protocol::ProduceRequest& body,
                     std::vector<std::shared_ptr<const void>>* owners) {
  auto next = frame.detached.begin();
  size_t ordinal = 0;
  for (auto& topic : body.topic_data) {
    for (auto& part : topic.partition_data) {
      owners->emplace_back();
      if (next != frame.detached.end() && next->ordinal == ordinal) {
        part.records.is_null = false;
        part.records.data = next->bytes.data;
        part.records.size = next->bytes.size;
        owners->back() = next->bytes.owner;
        ++next;
      }
      ++ordinal;
    }
  }
}

// Kafka's ProduceRequest.hasTransactionalRecords: a partition's first batch
// is transactional. Read from the attributes in place, no parse.
bool has_transactional_records(const protocol::ProduceRequest& body) {
  for (const auto& topic : body.topic_data)
    for (const auto& part : topic.partition_data)
      if (!part.records.is_null && part.records.data && part.records.size > protocol::kAttributesOffset + 1 &&
          part.records.data[protocol::kMagicOffset] == 2 &&
          (part.records.data[protocol::kAttributesOffset + 1] & 0x10))
        return true;
  return false;
}

// Kafka's transaction verification: a transactional batch is taken only for a
// partition its producer added to its ongoing transaction (otherwise no marker
// would ever end it there). The first batch's header is read in place.
int16_t verify_transactional(const BrokerContext& ctx, const std::string& transactional_id, const std::string& topic,
                             int32_t partition, const protocol::ProduceRequest::PartitionProduceData& part) {
  constexpr size_t kProducerIdOffset = 43, kProducerEpochOffset = 51, kHeaderEnd = 53;
  const auto& r = part.records;
  if (!ctx.transaction_coordinator || r.is_null || !r.data || r.size < kHeaderEnd) return kafka_error::kNone;
  // Transactional data only: control batches are refused later (INVALID_RECORD).
  if (r.data[protocol::kMagicOffset] != 2 || (r.data[protocol::kAttributesOffset + 1] & 0x30) != 0x10)
    return kafka_error::kNone;
  const auto producer_id = int64_t(protocol::detail::load_be(r.data + kProducerIdOffset, 8));
  const auto epoch = int16_t(protocol::detail::load_be(r.data + kProducerEpochOffset, 2));
  return ctx.transaction_coordinator->verify_produce(transactional_id, producer_id, epoch, topic, partition);
}

}  // namespace

void handle_produce(BrokerContext& ctx, Request req, Responder out) {
  protocol::ProduceRequest body;
  if (!decode_body(req, &body)) return out.close();
  std::vector<std::shared_ptr<const void>> owners;  // by partition entry
  attach_detached(*req.frame, body, &owners);
  const int16_t v = req.api_version;
  const int16_t acks = body.acks;

  auto pending = std::make_shared<PendingProduce>();
  auto& resp = pending->resp;
  resp.responses.reserve(body.topic_data.size());
  struct Durability {
    std::shared_ptr<storage::PartitionLog> log;
    int64_t last_offset;
    PartitionResponse* pr;
    const std::string* topic;
  };
  std::vector<Durability> waits;
  bool any_error = false;

  for (auto& topic : body.topic_data) {
    auto& tr = resp.responses.emplace_back();
    tr.name = topic.name;
    tr.partition_responses.reserve(topic.partition_data.size());
  }
  // Transactional batches need the request's transactional id (Kafka
  // answers every partition with TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
  const bool refused = !body.transactional_id && has_transactional_records(body);
  size_t ordinal = 0;
  for (size_t ti = 0; ti < body.topic_data.size(); ++ti) {
    auto& topic = body.topic_data[ti];
    auto& tr = resp.responses[ti];
    for (auto& part : topic.partition_data) {
      const auto& owner = owners[ordinal++];
      auto& pr = tr.partition_responses.emplace_back();
      pr.index = part.index;
      pr.error_message = std::nullopt;
      if (refused || (acks != 0 && acks != 1 && acks != -1)) {
        pr.error_code = refused ? kafka_error::kTransactionalIdAuthorizationFailed : kafka_error::kInvalidRequiredAcks;
        any_error = true;
        continue;
      }
      if (body.transactional_id) {
        pr.error_code = verify_transactional(ctx, *body.transactional_id, topic.name, part.index, part);
        if (pr.error_code != kafka_error::kNone) {
          any_error = true;
          pr.base_offset = -1;
          continue;
        }
      }
      std::shared_ptr<storage::PartitionLog> log;
      int64_t last_offset = -1;
      pr.error_code = produce_partition(ctx, topic.name, part.index, part.records, owner, v, body.acks, &pr, &log,
                                        &last_offset);
      if (pr.error_code != kafka_error::kNone) {
        any_error = true;
        pr.base_offset = -1;
        spdlog::debug("{}: produce to {}-{} failed with error {}", req.peer, topic.name, part.index, pr.error_code);
        continue;
      }
      waits.push_back({std::move(log), last_offset, &pr, &tr.name});
    }
  }

  // Fetches parked on these partitions wake once the data is readable
  // (the high watermark follows durability in fsync mode).
  PartitionWaiters* waiters = &ctx.waiters;
  if (acks != -1) {
    for (auto& w : waits) {
      w.log->when_durable(w.last_offset, [waiters, log = w.log](bool) {
        waiters->notify(log->topic(), log->partition());
      });
    }
    if (acks == 0) {
      // No response at all; on error Kafka closes the connection instead.
      if (any_error) out.close();
      else out.silent();
      return;
    }
    out.respond(encode_response(req, resp));
    return;
  }

  pending->req = std::move(req);
  pending->out = std::move(out);
  pending->outstanding.fetch_add(static_cast<int>(waits.size()), std::memory_order_relaxed);
  for (auto& w : waits) {
    w.log->when_durable(w.last_offset, [pending, waiters, log = w.log, pr = w.pr](bool ok) {
      if (!ok) pr->error_code = kafka_error::kKafkaStorageError;
      waiters->notify(log->topic(), log->partition());
      pending->release();
    });
  }
  pending->release();
}

}  // namespace fjord::broker
