#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_fetch(BrokerContext& ctx, Request req, Responder out);

// v3: response max_bytes; v4: isolation level; v5: log start offset
// v7: fetch sessions (KIP-227)
// v9: current leader epoch (fencing)
// v10: zstd batches may be returned
// v12: flexible
// v13: topics named by id only (KIP-516)
// v14-17: as v13 (replica state, directory ids: follower fields)
inline constexpr ApiSpec kFetchApi{.key = 1, .name = "Fetch", .min = 0, .max = 17, .handle = handle_fetch};

}  // namespace fjord::broker
