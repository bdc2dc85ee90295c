#include <gtest/gtest.h>

#include "handler_fixture.h"
#include "protocol/messages/delete_topics_request.h"
#include "protocol/messages/delete_topics_response.h"

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, DeleteTopicsByNameAndId) {
  auto created = create("d1", 1, 1);
  protocol::DeleteTopicsRequest by_id;
  by_id.topics.push_back({std::nullopt, created.topics[0].topic_id});
  auto r = roundtrip<protocol::DeleteTopicsResponse>(by_id, 6);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].error_code, 0);
  EXPECT_EQ(r.responses[0].name, "d1");
  EXPECT_FALSE(logs_->topic("d1"));
  r = roundtrip<protocol::DeleteTopicsResponse>(by_id, 6);
  EXPECT_EQ(r.responses[0].error_code, 100);
  protocol::DeleteTopicsRequest by_name;
  by_name.topic_names = {"missing"};
  EXPECT_EQ(roundtrip<protocol::DeleteTopicsResponse>(by_name, 1).responses[0].error_code, 3);
}

class DeletionDisabledTest : public HandlersTest {
  void SetUp() override {
    start([](ServerConfig& c) { c.delete_topic_enable = false; });
  }
};

TEST_F(DeletionDisabledTest, DeleteTopicsRefused) {
  create("keep", 1, 1);
  protocol::DeleteTopicsRequest req;
  req.topic_names = {"keep"};
  EXPECT_EQ(roundtrip<protocol::DeleteTopicsResponse>(req, 4).responses[0].error_code, 73);
  EXPECT_TRUE(logs_->topic("keep"));
}

}  // namespace
}  // namespace fjord::broker
