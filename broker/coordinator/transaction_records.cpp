#include "broker/coordinator/transaction_records.h"

#include "protocol/internal/coordinator_record.h"
#include "protocol/internal/transaction_log_key.h"
#include "protocol/internal/transaction_log_value.h"

namespace fjord::broker::coordinator {
namespace {

namespace internal = protocol::internal;
using internal::TransactionLogKey;
using internal::TransactionLogValue;

constexpr int16_t kKeyVersion = 0;
constexpr int16_t kValueVersion = 0;

}  // namespace

CoordinatorRecord transaction_record(const std::string& id, const TxnTransition& t) {
  TransactionLogValue v;
  v.producer_id = t.producer_id;
  v.producer_epoch = t.producer_epoch;
  v.transaction_timeout_ms = t.timeout_ms;
  v.transaction_status = int8_t(t.state);
  if (t.state == TxnState::empty) {
    v.transaction_partitions = std::nullopt;  // as Kafka writes an Empty state
  } else {
    auto& parts = v.transaction_partitions.emplace();
    for (const auto& [topic, partition] : t.partitions) {
      if (parts.empty() || parts.back().topic != topic) parts.emplace_back().topic = topic;
      parts.back().partition_ids.push_back(partition);
    }
  }
  v.transaction_last_update_timestamp_ms = t.last_update_timestamp;
  v.transaction_start_timestamp_ms = t.start_timestamp;
  return {internal::encode_key(TransactionLogKey{id}, kKeyVersion), internal::encode_value(v, kValueVersion)};
}

CoordinatorRecord transaction_tombstone(const std::string& id) {
  return {internal::encode_key(TransactionLogKey{id}, kKeyVersion), std::nullopt};
}

bool decode_transaction_key(std::span<const uint8_t> bytes, std::string* transactional_id) {
  TransactionLogKey key;
  if (!internal::decode_key(bytes, key)) return false;
  *transactional_id = std::move(key.transactional_id);
  return true;
}

bool decode_transaction_value(std::span<const uint8_t> bytes, TxnTransition* out) {
  TransactionLogValue v;
  if (!internal::decode_value(bytes, v)) return false;
  auto state = txn_state_from_byte(v.transaction_status);
  if (!state) return false;
  *out = TxnTransition{};
  out->producer_id = v.producer_id;
  out->producer_epoch = v.producer_epoch;
  out->timeout_ms = v.transaction_timeout_ms;
  out->state = *state;
  if (v.transaction_partitions)
    for (const auto& p : *v.transaction_partitions)
      for (int32_t id : p.partition_ids) out->partitions.emplace(p.topic, id);
  out->last_update_timestamp = v.transaction_last_update_timestamp_ms;
  out->start_timestamp = v.transaction_start_timestamp_ms;
  return true;
}

}  // namespace fjord::broker::coordinator
