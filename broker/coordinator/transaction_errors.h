#pragma once
// The transaction coordinator answers with Kafka's error codes
// (protocol/errors/kafka_errors.def): txn_error::kProducerFenced, ...
#include "protocol/errors/kafka_errors.h"

namespace fjord::broker::coordinator {
namespace txn_error = ::fjord::protocol::kafka_error;
}  // namespace fjord::broker::coordinator
