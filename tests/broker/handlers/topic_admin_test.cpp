// CreatePartitions, DeleteRecords, DescribeTopicPartitions, DescribeLogDirs,
// DescribeCluster, ElectLeaders and the partition reassignment APIs.
#include <gtest/gtest.h>

#include "handler_fixture.h"
#include "protocol/messages/alter_partition_reassignments_request.h"
#include "protocol/messages/alter_partition_reassignments_response.h"
#include "protocol/messages/create_partitions_request.h"
#include "protocol/messages/create_partitions_response.h"
#include "protocol/messages/delete_records_request.h"
#include "protocol/messages/delete_records_response.h"
#include "protocol/messages/describe_cluster_request.h"
#include "protocol/messages/describe_cluster_response.h"
#include "protocol/messages/describe_log_dirs_request.h"
#include "protocol/messages/describe_log_dirs_response.h"
#include "protocol/messages/describe_topic_partitions_request.h"
#include "protocol/messages/describe_topic_partitions_response.h"
#include "protocol/messages/elect_leaders_request.h"
#include "protocol/messages/elect_leaders_response.h"
#include "protocol/messages/list_partition_reassignments_request.h"
#include "protocol/messages/list_partition_reassignments_response.h"

namespace fjord::broker {
namespace {

class TopicAdminTest : public HandlersTest {
 protected:
  int16_t grow(const std::string& topic, int32_t count, bool validate_only = false, int16_t v = 3,
               std::optional<std::vector<std::vector<int32_t>>> assignments = std::nullopt) {
    protocol::CreatePartitionsRequest req;
    auto& t = req.topics.emplace_back();
    t.name = topic;
    t.count = count;
    t.assignments = std::nullopt;
    if (assignments) {
      t.assignments.emplace();
      for (auto& a : *assignments) t.assignments->push_back({a});
    }
    req.validate_only = validate_only;
    return roundtrip<protocol::CreatePartitionsResponse>(req, v).results.at(0).error_code;
  }
};

TEST_F(TopicAdminTest, CreatePartitionsOnlyGrows) {
  ASSERT_EQ(create("g", 2, 1).topics[0].error_code, 0);
  EXPECT_EQ(grow("g", 3, true), 0);
  EXPECT_EQ(logs_->topic("g")->partitions, 2);
  for (int16_t v = 0; v <= 3; ++v) EXPECT_EQ(grow("g", 3 + v), 0) << v;
  EXPECT_EQ(logs_->topic("g")->partitions, 6);
  EXPECT_NE(logs_->partition("g", 5), nullptr);
  EXPECT_EQ(grow("g", 6), 37);
  EXPECT_EQ(grow("g", 2), 37);
  EXPECT_EQ(grow("missing", 4), 3);
  EXPECT_EQ(grow("g", 8, false, 3, std::vector<std::vector<int32_t>>{{0}}), 39);        // one assignment for two
  EXPECT_EQ(grow("g", 7, false, 3, std::vector<std::vector<int32_t>>{{1}}), 39);        // no broker 1
  EXPECT_EQ(grow("g", 7, false, 3, std::vector<std::vector<int32_t>>{{0}}), 0);         // this broker
  ASSERT_EQ(create("__transaction_state", 1, 1).topics[0].error_code, 0);
  EXPECT_EQ(grow("__transaction_state", 2), 42);
}

TEST_F(TopicAdminTest, DeleteRecordsMovesTheLogStart) {
  ASSERT_EQ(create("d", 1, 1).topics[0].error_code, 0);
  for (int i = 0; i < 3; ++i) {
    auto data = batch(2);
    ASSERT_EQ(decode_produce(produce("d", data, -1)).responses[0].partition_responses[0].error_code, 0);
  }
  protocol::DeleteRecordsRequest req;
  auto& t = req.topics.emplace_back();
  t.name = "d";
  t.partitions = {{0, 3}, {1, 0}};
  auto resp = roundtrip<protocol::DeleteRecordsResponse>(req, 2);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].partitions[0].low_watermark, 3);
  EXPECT_EQ(resp.topics[0].partitions[1].error_code, 3);
  EXPECT_EQ(logs_->partition("d", 0)->log_start_offset(), 3);
  t.partitions = {{0, 7}};
  EXPECT_EQ(roundtrip<protocol::DeleteRecordsResponse>(req, 0).topics[0].partitions[0].error_code, 1);
  t.partitions = {{0, -1}};
  EXPECT_EQ(roundtrip<protocol::DeleteRecordsResponse>(req, 1).topics[0].partitions[0].low_watermark, 6);
}

TEST_F(TopicAdminTest, DescribeTopicPartitionsPagesWithTheCursor) {
  ASSERT_EQ(create("a", 3, 1).topics[0].error_code, 0);
  ASSERT_EQ(create("b", 2, 1).topics[0].error_code, 0);
  protocol::DescribeTopicPartitionsRequest req;
  req.response_partition_limit = 2;
  std::vector<std::pair<std::string, int32_t>> seen;
  for (int i = 0; i < 5; ++i) {
    auto resp = roundtrip<protocol::DescribeTopicPartitionsResponse>(req, 0);
    for (auto& t : resp.topics)
      for (auto& p : t.partitions) seen.emplace_back(*t.name, p.partition_index);
    if (!resp.next_cursor) break;
    req.cursor = protocol::DescribeTopicPartitionsRequest::Cursor{resp.next_cursor->topic_name,
                                                                  resp.next_cursor->partition_index};
  }
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, int32_t>>{{"a", 0}, {"a", 1}, {"a", 2}, {"b", 0}, {"b", 1}}));
  req = {};
  req.topics = {{"b"}, {"zz"}};
  auto resp = roundtrip<protocol::DescribeTopicPartitionsResponse>(req, 0);
  ASSERT_EQ(resp.topics.size(), 2u);
  EXPECT_EQ(resp.topics[0].partitions.size(), 2u);
  EXPECT_EQ(resp.topics[1].error_code, 3);
}

TEST_F(TopicAdminTest, ClusterLogDirsElectionsAndReassignments) {
  ASSERT_EQ(create("c", 2, 1).topics[0].error_code, 0);
  protocol::DescribeClusterRequest dc;
  auto cluster = roundtrip<protocol::DescribeClusterResponse>(dc, 1);
  EXPECT_EQ(cluster.cluster_id, "test-cluster");
  ASSERT_EQ(cluster.brokers.size(), 1u);
  EXPECT_EQ(cluster.brokers[0].port, 9092);
  dc.endpoint_type = 2;
  EXPECT_EQ(roundtrip<protocol::DescribeClusterResponse>(dc, 1).error_code, 114);

  protocol::DescribeLogDirsRequest ld;
  ld.topics = std::nullopt;
  auto dirs = roundtrip<protocol::DescribeLogDirsResponse>(ld, 4);
  ASSERT_EQ(dirs.results.size(), 1u);
  ASSERT_EQ(dirs.results[0].topics.size(), 1u);
  EXPECT_EQ(dirs.results[0].topics[0].partitions.size(), 2u);
  EXPECT_GT(dirs.results[0].total_bytes, 0);

  protocol::ElectLeadersRequest el;
  el.topic_partitions = std::nullopt;
  auto all = roundtrip<protocol::ElectLeadersResponse>(el, 2);
  EXPECT_TRUE(all.replica_election_results.empty());
  el.topic_partitions = std::vector<protocol::ElectLeadersRequest::TopicPartitions>{{"c", {0, 9}}};
  auto some = roundtrip<protocol::ElectLeadersResponse>(el, 0);
  ASSERT_EQ(some.replica_election_results.at(0).partition_result.size(), 2u);
  EXPECT_EQ(some.replica_election_results[0].partition_result[0].error_code, 84);
  EXPECT_EQ(some.replica_election_results[0].partition_result[1].error_code, 3);

  protocol::ListPartitionReassignmentsRequest lr;
  EXPECT_TRUE(roundtrip<protocol::ListPartitionReassignmentsResponse>(lr, 0).topics.empty());
  protocol::AlterPartitionReassignmentsRequest ar;
  auto& t = ar.topics.emplace_back();
  t.name = "c";
  t.partitions.push_back({0, std::vector<int32_t>{0, 1}});
  t.partitions.push_back({1, std::nullopt});
  t.partitions.push_back({0, std::vector<int32_t>{0}});
  auto moved = roundtrip<protocol::AlterPartitionReassignmentsResponse>(ar, 0);
  EXPECT_EQ(moved.responses[0].partitions[0].error_code, 39);
  EXPECT_EQ(moved.responses[0].partitions[1].error_code, 85);
  EXPECT_EQ(moved.responses[0].partitions[2].error_code, 0);
}

}  // namespace
}  // namespace fjord::broker
