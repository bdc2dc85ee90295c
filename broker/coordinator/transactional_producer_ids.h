#pragma once
// The seam between InitProducerId and the transaction coordinator: the
// handler answers idempotent producers (null transactional id) itself and
// hands a transactional id, already checked for emptiness and its timeout
// (transaction.max.timeout.ms), to this interface. BrokerContext::transactions
// points at the implementation; while it is null such requests get
// COORDINATOR_NOT_AVAILABLE.
#include <cstdint>
#include <functional>
#include <string>

namespace fjord::broker::coordinator {

struct InitProducerIdResult {
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

class TransactionalProducerIds {
 public:
  virtual ~TransactionalProducerIds() = default;
  // Kafka's TransactionCoordinator.handleInitProducerId for a non-empty
  // transactional id. `producer_id`/`producer_epoch` are -1/-1 or both set
  // (v3+, KIP-360). `done` runs exactly once, on any thread; the handler
  // maps PRODUCER_FENCED to INVALID_PRODUCER_EPOCH for versions below 4.
  virtual void init_producer_id(const std::string& transactional_id, int32_t transaction_timeout_ms,
                                int64_t producer_id, int16_t producer_epoch,
                                std::function<void(InitProducerIdResult)> done) = 0;
};

}  // namespace fjord::broker::coordinator
