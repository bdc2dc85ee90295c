#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_init_producer_id(BrokerContext& ctx, Request req, Responder out);

// Idempotent producers (null transactional id) get a new producer id with
// epoch 0 whatever id and epoch they send, as Kafka's coordinator does;
// transactional ids go to BrokerContext::transactions.
// Runs on the admin thread: claiming a new block of ids fsyncs a file.
// v1: as v0 (throttling)
// v2: flexible
// v3: ProducerId/ProducerEpoch in the request (KIP-360)
// v4: PRODUCER_FENCED (older versions get INVALID_PRODUCER_EPOCH instead)
// v5: TRANSACTION_ABORTABLE possible (KIP-890)
inline constexpr ApiSpec kInitProducerIdApi{.key = 22,
                                            .name = "InitProducerId",
                                            .min = 0,
                                            .max = 5,
                                            .thread = HandlerThread::admin,
                                            .handle = handle_init_producer_id};

}  // namespace fjord::broker
