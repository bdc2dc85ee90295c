#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_produce(BrokerContext& ctx, Request req, Responder out);

// v0-2: legacy message sets, up-converted to one record batch. Min stays 0:
//       librdkafka enables compression only when Produce v0 is in range.
// v3: record batches only, exactly one per partition; transactional id
// v7: zstd batches accepted
// v8: per-record errors and an error message in the response
// v9: flexible
// v10-11: as v9 (leader hints, TRANSACTION_ABORTABLE)
inline constexpr ApiSpec kProduceApi{.key = 0, .name = "Produce", .min = 0, .max = 11, .handle = handle_produce};

}  // namespace fjord::broker
