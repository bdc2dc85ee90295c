// Kafka's error table: spot checks against Errors.java (Kafka 3.9).
#include <gtest/gtest.h>

#include "broker/handlers/error_codes.h"
#include "protocol/errors/kafka_errors.h"

namespace fjord::protocol {
namespace {

TEST(KafkaErrors, CodesAndNames) {
  EXPECT_EQ(kafka_error::kUnknownServerError, -1);
  EXPECT_EQ(kafka_error::kNone, 0);
  EXPECT_EQ(kafka_error::kNotCoordinator, 16);
  EXPECT_EQ(kafka_error::kRebalanceInProgress, 27);
  EXPECT_EQ(kafka_error::kMemberIdRequired, 79);
  EXPECT_EQ(kafka_error::kProducerFenced, 90);
  EXPECT_EQ(kafka_error::kTransactionAbortable, 120);
  EXPECT_EQ(kafka_error::kVoterNotFound, 127);
  EXPECT_EQ(error_name(-1), "UNKNOWN_SERVER_ERROR");
  EXPECT_EQ(error_name(0), "NONE");
  EXPECT_EQ(error_name(6), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_EQ(error_name(17), "INVALID_TOPIC_EXCEPTION");
  EXPECT_EQ(error_name(69), "GROUP_ID_NOT_FOUND");
  EXPECT_EQ(error_name(113), "STALE_MEMBER_EPOCH");
}

TEST(KafkaErrors, UnknownCodesReadAsUnknownServerError) {
  EXPECT_TRUE(is_known_error(127));
  EXPECT_FALSE(is_known_error(128));
  EXPECT_FALSE(is_known_error(-2));
  EXPECT_EQ(error_name(1000), "UNKNOWN_SERVER_ERROR");
  EXPECT_EQ(error_name(-5), "UNKNOWN_SERVER_ERROR");
  EXPECT_FALSE(is_retriable(1000));
}

TEST(KafkaErrors, Messages) {
  EXPECT_EQ(error_message(0), "");
  EXPECT_EQ(error_message(3), "This server does not host this topic-partition.");
  EXPECT_EQ(error_message(15), "The coordinator is not available.");
  EXPECT_EQ(error_message(35), "The version of API is not supported.");
  EXPECT_EQ(error_message(68), "The group is not empty.");
  EXPECT_EQ(error_message(-1), "The server experienced an unexpected error when processing the request.");
}

// Retriable exactly when Kafka's exception extends RetriableException.
TEST(KafkaErrors, Retriability) {
  for (int16_t code : {2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84,
                       88, 89, 100, 103, 106, 122, 123})
    EXPECT_TRUE(is_retriable(code)) << code << " " << error_name(code);
  for (int16_t code : {-1, 0, 1, 4, 8, 10, 17, 22, 25, 27, 35, 36, 42, 45, 47, 48, 59, 68, 69, 79, 82, 87, 90,
                       110, 113, 120, 127})
    EXPECT_FALSE(is_retriable(code)) << code << " " << error_name(code);
}

TEST(KafkaErrors, BrokerNamesStayTheSame) {
  EXPECT_EQ(broker::kafka_error::kInvalidRequest, 42);
  EXPECT_EQ(broker::kafka_error::kInvalidTopic, 17);
  EXPECT_EQ(broker::kafka_error::kKafkaStorageError, 56);
  EXPECT_EQ(broker::kafka_error::kUnknownTopicId, 100);
  EXPECT_EQ(broker::kafka_error::from_storage(storage::Errc::topic_exists), kafka_error::kTopicAlreadyExists);
}

}  // namespace
}  // namespace fjord::protocol
