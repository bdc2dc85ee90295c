#pragma once
// The records of __transaction_state in Kafka's formats (schemas in
// kafka-protocol/internal/): key TransactionLogKey v0 (the transactional
// id), value TransactionLogValue (v0 written, as Kafka 3.9 does without
// transaction version 2; v0 and v1 read). A null value is a tombstone: the
// transactional id expired.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "broker/coordinator/coordinator_shard.h"
#include "broker/coordinator/transaction_metadata.h"

namespace fjord::broker::coordinator {

// The record that puts `id` in the state `t`.
CoordinatorRecord transaction_record(const std::string& id, const TxnTransition& t);
CoordinatorRecord transaction_tombstone(const std::string& id);

// False when malformed or of an unknown version.
bool decode_transaction_key(std::span<const uint8_t> bytes, std::string* transactional_id);
// False when malformed, of an unknown version or with an unknown state.
bool decode_transaction_value(std::span<const uint8_t> bytes, TxnTransition* out);

}  // namespace fjord::broker::coordinator
