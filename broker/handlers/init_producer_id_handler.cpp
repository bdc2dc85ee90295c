#include "broker/handlers/init_producer_id_handler.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "broker/coordinator/producer_id_manager.h"
#include "broker/coordinator/transactional_producer_ids.h"
#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/error_codes.h"
#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/init_producer_id_response.h"

namespace fjord::broker {

void handle_init_producer_id(BrokerContext& ctx, Request req, Responder out) {
  protocol::InitProducerIdRequest body;
  if (!decode_body(req, &body)) return out.close();
  protocol::InitProducerIdResponse resp;
  resp.producer_id = -1;
  resp.producer_epoch = -1;
  auto answer = [&](int16_t error) {
    resp.error_code = error;
    out.respond(encode_response(req, resp));
  };
  // KafkaApis: an id without an epoch (or the reverse) is malformed.
  if ((body.producer_id == -1) != (body.producer_epoch == -1)) return answer(kafka_error::kInvalidRequest);
  if (!body.transactional_id) {
    int64_t id = -1;
    if (!ctx.producer_ids || !ctx.producer_ids->generate(&id)) return answer(kafka_error::kUnknownServerError);
    resp.producer_id = id;
    resp.producer_epoch = 0;
    return answer(kafka_error::kNone);
  }
  if (body.transactional_id->empty()) return answer(kafka_error::kInvalidRequest);
  // TransactionStateManager.validateTransactionTimeoutMs.
  if (body.transaction_timeout_ms <= 0 || body.transaction_timeout_ms > ctx.config.transaction_max_timeout_ms)
    return answer(kafka_error::kInvalidTransactionTimeout);
  if (!ctx.transactions) return answer(kafka_error::kCoordinatorNotAvailable);
  const int16_t version = req.api_version;
  auto shared = std::make_shared<std::pair<Request, Responder>>(std::move(req), std::move(out));
  ctx.transactions->init_producer_id(
      *body.transactional_id, body.transaction_timeout_ms, body.producer_id, body.producer_epoch,
      [shared, version](coordinator::InitProducerIdResult r) {
        protocol::InitProducerIdResponse resp;
        resp.error_code = r.error_code;
        if (r.error_code == kafka_error::kProducerFenced && version < 4)
          resp.error_code = kafka_error::kInvalidProducerEpoch;
        resp.producer_id = r.error_code == kafka_error::kNone ? r.producer_id : -1;
        resp.producer_epoch = r.error_code == kafka_error::kNone ? r.producer_epoch : -1;
        shared->second.respond(encode_response(shared->first, resp));
      });
}

}  // namespace fjord::broker
