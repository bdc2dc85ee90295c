#include <gtest/gtest.h>

#include "handler_fixture.h"

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, CreateTopicsErrors) {
  auto ok = create("c1", -1, -1);
  ASSERT_EQ(ok.topics.size(), 1u);
  EXPECT_EQ(ok.topics[0].error_code, 0);
  EXPECT_EQ(ok.topics[0].num_partitions, 2);  // -1 = num.partitions
  EXPECT_EQ(ok.topics[0].replication_factor, 1);
  EXPECT_FALSE(ok.topics[0].topic_id.is_zero());
  ASSERT_TRUE(ok.topics[0].configs);
  EXPECT_FALSE(ok.topics[0].configs->empty());
  EXPECT_EQ(create("c1", 1, 1).topics[0].error_code, 36);
  EXPECT_EQ(create("c2", 1, 3).topics[0].error_code, 38);
  EXPECT_EQ(create("c3", 0, 1).topics[0].error_code, 37);
  EXPECT_EQ(create("bad name", 1, 1).topics[0].error_code, 17);
  EXPECT_EQ(create("c4", 1, 1, 7, true).topics[0].error_code, 0);
  EXPECT_FALSE(logs_->topic("c4"));  // validate_only creates nothing
}

}  // namespace
}  // namespace fjord::broker
