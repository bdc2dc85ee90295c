#include <gtest/gtest.h>

#include <string>

#include "broker/coordinator/transactional_producer_ids.h"
#include "handler_fixture.h"
#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/init_producer_id_response.h"

namespace fjord::broker {
namespace {

protocol::InitProducerIdRequest idempotent(int64_t id = -1, int16_t epoch = -1) {
  protocol::InitProducerIdRequest req;
  req.transactional_id = std::nullopt;
  req.transaction_timeout_ms = 2147483647;  // what the Java producer sends
  req.producer_id = id;
  req.producer_epoch = epoch;
  return req;
}

TEST_F(HandlersTest, InitProducerIdHandsOutNewIdsWithEpochZeroInEveryVersion) {
  int64_t last = -1;
  for (int16_t v = 0; v <= 5; ++v) {
    auto resp = roundtrip<protocol::InitProducerIdResponse>(idempotent(), v);
    EXPECT_EQ(resp.error_code, 0) << "v" << v;
    EXPECT_GT(resp.producer_id, last) << "v" << v;
    EXPECT_EQ(resp.producer_epoch, 0);
    last = resp.producer_id;
  }
}

TEST_F(HandlersTest, InitProducerIdForAKnownIdempotentProducerGivesANewId) {
  // Kafka's coordinator answers a null transactional id with a fresh id
  // whatever id and epoch come with it (the client bumps its epoch itself).
  auto first = roundtrip<protocol::InitProducerIdResponse>(idempotent(), 5);
  auto again = roundtrip<protocol::InitProducerIdResponse>(idempotent(first.producer_id, 0), 5);
  EXPECT_EQ(again.error_code, 0);
  EXPECT_NE(again.producer_id, first.producer_id);
  EXPECT_EQ(again.producer_epoch, 0);
}

TEST_F(HandlersTest, InitProducerIdRefusesAnIdWithoutAnEpoch) {
  EXPECT_EQ(roundtrip<protocol::InitProducerIdResponse>(idempotent(7, -1), 3).error_code, 42);
  auto resp = roundtrip<protocol::InitProducerIdResponse>(idempotent(-1, 3), 4);
  EXPECT_EQ(resp.error_code, 42);
  EXPECT_EQ(resp.producer_id, -1);
  EXPECT_EQ(resp.producer_epoch, -1);
}

TEST_F(HandlersTest, InitProducerIdIdsAreNotReusedAfterARestart) {
  auto before = roundtrip<protocol::InitProducerIdResponse>(idempotent(), 5);
  producer_ids_ = std::make_unique<coordinator::ProducerIdManager>(
      0, std::make_unique<coordinator::FileProducerIdBlockStore>((dir_ / "producer-id-block.json").string()));
  ctx_->producer_ids = producer_ids_.get();
  auto after = roundtrip<protocol::InitProducerIdResponse>(idempotent(), 5);
  EXPECT_EQ(after.error_code, 0);
  EXPECT_GE(after.producer_id, before.producer_id + coordinator::ProducerIdManager::kBlockSize);
}

TEST_F(HandlersTest, InitProducerIdChecksTransactionalIdsBeforeTheCoordinator) {
  protocol::InitProducerIdRequest req;
  req.transactional_id = "";
  req.transaction_timeout_ms = 60000;
  EXPECT_EQ(roundtrip<protocol::InitProducerIdResponse>(req, 5).error_code, 42);  // INVALID_REQUEST
  req.transactional_id = "tx";
  req.transaction_timeout_ms = 900001;
  EXPECT_EQ(roundtrip<protocol::InitProducerIdResponse>(req, 5).error_code, 50);  // INVALID_TRANSACTION_TIMEOUT
  req.transaction_timeout_ms = 0;
  EXPECT_EQ(roundtrip<protocol::InitProducerIdResponse>(req, 5).error_code, 50);
  req.transaction_timeout_ms = 60000;
  EXPECT_EQ(roundtrip<protocol::InitProducerIdResponse>(req, 5).error_code, 15);  // COORDINATOR_NOT_AVAILABLE
}

TEST_F(HandlersTest, InitProducerIdPassesTransactionalIdsToTheCoordinator) {
  struct Fake : coordinator::TransactionalProducerIds {
    std::string seen;
    int16_t answer = 0;
    void init_producer_id(const std::string& id, int32_t timeout, int64_t pid, int16_t epoch,
                          std::function<void(coordinator::InitProducerIdResult)> done) override {
      seen = id + "/" + std::to_string(timeout) + "/" + std::to_string(pid) + "/" + std::to_string(epoch);
      done({answer, 42, 3});
    }
  } fake;
  ctx_->transactions = &fake;
  protocol::InitProducerIdRequest req;
  req.transactional_id = "tx";
  req.transaction_timeout_ms = 60000;
  auto resp = roundtrip<protocol::InitProducerIdResponse>(req, 5);
  EXPECT_EQ(fake.seen, "tx/60000/-1/-1");
  EXPECT_EQ(resp.error_code, 0);
  EXPECT_EQ(resp.producer_id, 42);
  EXPECT_EQ(resp.producer_epoch, 3);
  fake.answer = 90;  // PRODUCER_FENCED: older clients know it as INVALID_PRODUCER_EPOCH
  EXPECT_EQ(roundtrip<protocol::InitProducerIdResponse>(req, 3).error_code, 47);
  resp = roundtrip<protocol::InitProducerIdResponse>(req, 4);
  EXPECT_EQ(resp.error_code, 90);
  EXPECT_EQ(resp.producer_id, -1);
  ctx_->transactions = nullptr;
}

}  // namespace
}  // namespace fjord::broker
