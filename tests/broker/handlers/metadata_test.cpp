#include <gtest/gtest.h>

#include "handler_fixture.h"

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, MetadataNullEmptyAndAutoCreate) {
  auto first = metadata(std::vector<std::string>{"auto1"}, 4);
  ASSERT_EQ(first.topics.size(), 1u);
  EXPECT_EQ(first.topics[0].error_code, 5);  // LEADER_NOT_AVAILABLE right after creation
  EXPECT_EQ(first.controller_id, 0);
  ASSERT_EQ(first.brokers.size(), 1u);
  EXPECT_EQ(first.brokers[0].port, 9092);
  auto again = metadata(std::vector<std::string>{"auto1"}, 12);
  ASSERT_EQ(again.topics.size(), 1u);
  EXPECT_EQ(again.topics[0].error_code, 0);
  EXPECT_EQ(again.topics[0].partitions.size(), 2u);
  EXPECT_FALSE(again.topics[0].topic_id.is_zero());
  EXPECT_EQ(again.cluster_id, "test-cluster");

  EXPECT_EQ(metadata(std::vector<std::string>{}, 1).topics.size(), 0u);  // v1+: empty = none
  EXPECT_EQ(metadata(std::nullopt, 1).topics.size(), 1u);                // null = all
  EXPECT_EQ(metadata(std::vector<std::string>{}, 0).topics.size(), 1u);  // v0: empty = all

  auto no_create = metadata(std::vector<std::string>{"nope"}, 4, false);
  EXPECT_EQ(no_create.topics[0].error_code, 3);
  EXPECT_FALSE(logs_->topic("nope"));
  EXPECT_EQ(metadata(std::vector<std::string>{"bad/name"}, 4).topics[0].error_code, 17);
}

}  // namespace
}  // namespace fjord::broker
