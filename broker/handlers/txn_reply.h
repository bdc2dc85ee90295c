#pragma once
// What the transaction handlers share: running code on a transactional id's
// coordinator shard, and Kafka's answer to clients that predate
// PRODUCER_FENCED.
#include <cstdint>
#include <string>

#include "broker/coordinator/transaction_coordinator.h"
#include "broker/handlers/broker_context.h"
#include "broker/handlers/error_codes.h"

namespace fjord::broker {

// Runs `event` once on the id's transaction coordinator shard, or with the
// error (COORDINATOR_NOT_AVAILABLE when the broker runs no transaction coordinator).
inline void on_txn_shard(BrokerContext& ctx, const std::string& transactional_id,
                         coordinator::TransactionCoordinator::Event event) {
  if (!ctx.transaction_coordinator) return event(nullptr, kafka_error::kCoordinatorNotAvailable);
  ctx.transaction_coordinator->run(transactional_id, std::move(event));
}

// KafkaApis: versions before `fenced_since` know PRODUCER_FENCED as INVALID_PRODUCER_EPOCH.
inline int16_t fenced_error_for(int16_t error, int16_t version, int16_t fenced_since) {
  return error == kafka_error::kProducerFenced && version < fenced_since ? kafka_error::kInvalidProducerEpoch : error;
}

}  // namespace fjord::broker
