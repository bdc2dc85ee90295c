// Request frames the Kafka 3.9 Java tools sent (golden/java/, captured as
// described in golden/java/INDEX.md): each decodes with the generated codecs
// to the field values the tools are known to send, and re-encodes to the
// same bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "protocol/messages/add_offsets_to_txn_request.h"
#include "protocol/messages/add_partitions_to_txn_request.h"
#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/consumer_group_describe_request.h"
#include "protocol/messages/create_partitions_request.h"
#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/delete_groups_request.h"
#include "protocol/messages/delete_records_request.h"
#include "protocol/messages/delete_topics_request.h"
#include "protocol/messages/describe_cluster_request.h"
#include "protocol/messages/describe_configs_request.h"
#include "protocol/messages/describe_groups_request.h"
#include "protocol/messages/describe_log_dirs_request.h"
#include "protocol/messages/describe_producers_request.h"
#include "protocol/messages/describe_topic_partitions_request.h"
#include "protocol/messages/describe_transactions_request.h"
#include "protocol/messages/elect_leaders_request.h"
#include "protocol/messages/end_txn_request.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/find_coordinator_request.h"
#include "protocol/messages/get_telemetry_subscriptions_request.h"
#include "protocol/messages/heartbeat_request.h"
#include "protocol/messages/incremental_alter_configs_request.h"
#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/join_group_request.h"
#include "protocol/messages/leave_group_request.h"
#include "protocol/messages/list_groups_request.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/list_partition_reassignments_request.h"
#include "protocol/messages/list_transactions_request.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/offset_commit_request.h"
#include "protocol/messages/offset_delete_request.h"
#include "protocol/messages/offset_fetch_request.h"
#include "protocol/messages/offset_for_leader_epoch_request.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/sync_group_request.h"
#include "protocol/messages/txn_offset_commit_request.h"
#include "request_frame.h"

namespace fjord::protocol {
namespace {

// Every file in golden/java/ has a test below.
const std::set<std::string> kTested = {
    "AddOffsetsToTxnRequest_v4.hex", "AddPartitionsToTxnRequest_v3.hex", "ApiVersionsRequest_v3.hex",
    "ApiVersionsRequest_v4.hex", "ConsumerGroupDescribeRequest_v0.hex", "CreatePartitionsRequest_v3.hex",
    "CreateTopicsRequest_v7.hex", "DeleteGroupsRequest_v2.hex", "DeleteRecordsRequest_v2.hex",
    "DeleteTopicsRequest_v6.hex", "DescribeClusterRequest_v1.hex", "DescribeConfigsRequest_v4.hex",
    "DescribeGroupsRequest_v5.hex", "DescribeLogDirsRequest_v4.hex", "DescribeProducersRequest_v0.hex",
    "DescribeTopicPartitionsRequest_v0.hex", "DescribeTransactionsRequest_v0.hex", "ElectLeadersRequest_v2.hex",
    "EndTxnRequest_v4.hex", "FetchRequest_v12.hex", "FetchRequest_v17.hex", "FindCoordinatorRequest_v6.hex",
    "GetTelemetrySubscriptionsRequest_v0.hex", "HeartbeatRequest_v4.hex", "IncrementalAlterConfigsRequest_v1.hex",
    "InitProducerIdRequest_v5.hex", "JoinGroupRequest_v9.hex", "LeaveGroupRequest_v5.hex",
    "ListGroupsRequest_v5.hex", "ListOffsetsRequest_v9.hex", "ListPartitionReassignmentsRequest_v0.hex",
    "ListTransactionsRequest_v1.hex", "MetadataRequest_v12.hex", "OffsetCommitRequest_v9.hex",
    "OffsetDeleteRequest_v0.hex", "OffsetFetchRequest_v9.hex", "OffsetForLeaderEpochRequest_v4.hex",
    "ProduceRequest_v11.hex", "SyncGroupRequest_v5.hex", "TxnOffsetCommitRequest_v4.hex",
};

TEST(JavaGolden, EveryCapturedFrameIsTested) {
  std::set<std::string> present;
  for (const auto& e : std::filesystem::directory_iterator(std::string(FJORD_GOLDEN_DIR) + "/java"))
    if (e.path().extension() == ".hex") present.insert(e.path().filename().string());
  EXPECT_EQ(present, kTested);
}

// Decodes golden/java/<file>, checks the header against the file name
// (<Api>Request_v<N>.hex), the client id and correlation id, and that the
// frame re-encodes byte for byte.
template <typename Body>
class JavaFrame {
 public:
  JavaFrame(const std::string& file, const std::string& client_id, int32_t correlation_id)
      : bytes_(load_hex("java/" + file)), d_(decode_request_frame<Body>(bytes_)) {
    const std::string version = file.substr(file.rfind("_v") + 2, file.size() - file.rfind("_v") - 6);
    EXPECT_EQ(d_.header.request_api_key, Body::kApiKey);
    EXPECT_EQ(d_.header.request_api_version, std::stoi(version));
    EXPECT_EQ(d_.header.client_id, client_id);
    EXPECT_EQ(d_.header.correlation_id, correlation_id);
    EXPECT_EQ(encode_request_frame(d_), bytes_) << file;
  }
  const Body& body() const { return d_.body; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  size_t body_offset() const { return d_.body_offset; }

 private:
  std::vector<uint8_t> bytes_;
  Decoded<Body> d_;
};

int16_t be16(const std::vector<uint8_t>& b, size_t at) { return static_cast<int16_t>((b[at] << 8) | b[at + 1]); }
int32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return static_cast<int32_t>((uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
                              b[at + 3]);
}

// --- bootstrap ------------------------------------------------------------------

TEST(JavaGolden, ApiVersionsV4AndV3) {
  JavaFrame<ApiVersionsRequest> v4("ApiVersionsRequest_v4.hex", "admin-1", 1);
  EXPECT_EQ(v4.body().client_software_name, "apache-kafka-java");
  EXPECT_EQ(v4.body().client_software_version, "3.9.0");
  // The retry after UNSUPPORTED_VERSION carries the same body at v3.
  JavaFrame<ApiVersionsRequest> v3("ApiVersionsRequest_v3.hex", "admin-1", 2);
  EXPECT_EQ(v3.body(), v4.body());
}

TEST(JavaGolden, MetadataV12AllTopics) {
  JavaFrame<MetadataRequest> f("MetadataRequest_v12.hex", "admin-1", 2);
  EXPECT_FALSE(f.body().topics.has_value());  // null: every topic
  EXPECT_TRUE(f.body().allow_auto_topic_creation);
  EXPECT_FALSE(f.body().include_topic_authorized_operations);
}

TEST(JavaGolden, GetTelemetrySubscriptionsV0) {
  JavaFrame<GetTelemetrySubscriptionsRequest> f("GetTelemetrySubscriptionsRequest_v0.hex", "console-producer", 3);
  EXPECT_TRUE(f.body().client_instance_id.is_zero());
}

// --- produce ---------------------------------------------------------------------

TEST(JavaGolden, InitProducerIdV5Idempotent) {
  JavaFrame<InitProducerIdRequest> f("InitProducerIdRequest_v5.hex", "console-producer", 2);
  EXPECT_FALSE(f.body().transactional_id.has_value());
  EXPECT_EQ(f.body().transaction_timeout_ms, 2147483647);
  EXPECT_EQ(f.body().producer_id, -1);
  EXPECT_EQ(f.body().producer_epoch, -1);
}

TEST(JavaGolden, ProduceV11OneBatchOfThreeRecords) {
  JavaFrame<ProduceRequest> f("ProduceRequest_v11.hex", "console-producer", 5);
  const auto& b = f.body();
  EXPECT_FALSE(b.transactional_id.has_value());
  EXPECT_EQ(b.acks, -1);
  EXPECT_EQ(b.timeout_ms, 1500);  // console-producer's request.timeout.ms
  ASSERT_EQ(b.topic_data.size(), 1u);
  ASSERT_EQ(b.topic_data[0].partition_data.size(), 1u);
  const Records& records = b.topic_data[0].partition_data[0].records;
  ASSERT_FALSE(records.is_null);
  ASSERT_GE(records.size, 61u);
  const std::vector<uint8_t> batch(records.data, records.data + records.size);
  EXPECT_EQ(static_cast<size_t>(be32(batch, 8)) + 12, batch.size());  // one batch fills the records
  EXPECT_EQ(be32(batch, 12), -1);           // partitionLeaderEpoch: the broker stamps it
  EXPECT_EQ(batch[16], 2);                  // magic
  EXPECT_EQ(be16(batch, 21) & 0x07, 0);     // no compression
  EXPECT_EQ(be16(batch, 51), 0);            // producer epoch from InitProducerId
  EXPECT_EQ(be32(batch, 53), 0);            // base sequence
  EXPECT_EQ(be32(batch, 57), 3);            // three piped lines
}

// --- consume ---------------------------------------------------------------------

TEST(JavaGolden, ListOffsetsV9Earliest) {
  JavaFrame<ListOffsetsRequest> f("ListOffsetsRequest_v9.hex", "console-consumer", 9);
  EXPECT_EQ(f.body().replica_id, -1);
  EXPECT_EQ(f.body().isolation_level, 0);
  ASSERT_EQ(f.body().topics.size(), 1u);
  EXPECT_FALSE(f.body().topics[0].partitions.empty());
  for (const auto& p : f.body().topics[0].partitions) {
    EXPECT_EQ(p.current_leader_epoch, 0);
    EXPECT_EQ(p.timestamp, -2);
  }
}

void expect_consumer_fetch(const FetchRequest& b) {
  EXPECT_EQ(b.replica_id, -1);
  EXPECT_EQ(b.max_wait_ms, 500);
  EXPECT_EQ(b.min_bytes, 1);
  EXPECT_EQ(b.max_bytes, 52428800);
  EXPECT_EQ(b.isolation_level, 0);
  EXPECT_EQ(b.session_id, 0);
  EXPECT_EQ(b.session_epoch, 0);  // full fetch, no session granted
  EXPECT_TRUE(b.forgotten_topics_data.empty());
  EXPECT_EQ(b.rack_id, "");
  ASSERT_EQ(b.topics.size(), 1u);
  EXPECT_FALSE(b.topics[0].partitions.empty());
  for (const auto& p : b.topics[0].partitions) {
    EXPECT_EQ(p.current_leader_epoch, 0);
    EXPECT_EQ(p.last_fetched_epoch, -1);
    EXPECT_EQ(p.log_start_offset, -1);
    EXPECT_EQ(p.partition_max_bytes, 1048576);
  }
}

TEST(JavaGolden, FetchV17ByTopicId) {
  JavaFrame<FetchRequest> f("FetchRequest_v17.hex", "console-consumer", 11);
  expect_consumer_fetch(f.body());
  EXPECT_FALSE(f.body().topics[0].topic_id.is_zero());
  EXPECT_EQ(f.body().topics[0].topic, "");  // names are not sent from v13
}

TEST(JavaGolden, FetchV12ByTopicName) {
  JavaFrame<FetchRequest> f("FetchRequest_v12.hex", "console-consumer", 11);
  expect_consumer_fetch(f.body());
  EXPECT_FALSE(f.body().topics[0].topic.empty());
  EXPECT_TRUE(f.body().topics[0].topic_id.is_zero());  // no ids before v13
}

TEST(JavaGolden, OffsetForLeaderEpochV4) {
  JavaFrame<OffsetForLeaderEpochRequest> f("OffsetForLeaderEpochRequest_v4.hex", "console-consumer", 11);
  EXPECT_EQ(f.body().replica_id, -1);
  ASSERT_EQ(f.body().topics.size(), 1u);
  ASSERT_EQ(f.body().topics[0].partitions.size(), 1u);
  const auto& p = f.body().topics[0].partitions[0];
  EXPECT_EQ(p.partition, 1);  // the partition whose committed offset carried an epoch
  EXPECT_EQ(p.current_leader_epoch, 0);
  EXPECT_EQ(p.leader_epoch, 0);
}

// --- classic group -----------------------------------------------------------------

const std::string kGroup = "console-consumer-48274";
const std::string kMember = "console-consumer-8750edcb-2d73-4610-80ca-ce24563917bb";

TEST(JavaGolden, FindCoordinatorV6Batched) {
  JavaFrame<FindCoordinatorRequest> f("FindCoordinatorRequest_v6.hex", "console-consumer", 0);
  EXPECT_EQ(f.body().key_type, 0);  // group
  EXPECT_EQ(f.body().key, "");      // v0-3 only
  EXPECT_EQ(f.body().coordinator_keys, std::vector<std::string>{kGroup});
}

TEST(JavaGolden, JoinGroupV9FirstJoin) {
  JavaFrame<JoinGroupRequest> f("JoinGroupRequest_v9.hex", "console-consumer", 4);
  const auto& b = f.body();
  EXPECT_EQ(b.group_id, kGroup);
  EXPECT_EQ(b.session_timeout_ms, 45000);
  EXPECT_EQ(b.rebalance_timeout_ms, 300000);
  EXPECT_EQ(b.member_id, "");  // Kafka answers MEMBER_ID_REQUIRED
  EXPECT_FALSE(b.group_instance_id.has_value());
  EXPECT_EQ(b.protocol_type, "consumer");
  ASSERT_EQ(b.protocols.size(), 2u);
  EXPECT_EQ(b.protocols[0].name, "range");
  EXPECT_EQ(b.protocols[1].name, "cooperative-sticky");
  for (const auto& p : b.protocols) {
    ASSERT_GE(p.metadata.size(), 2u);
    EXPECT_EQ(be16(p.metadata, 0), 3);  // ConsumerProtocolSubscription v3
  }
  EXPECT_EQ(b.reason, "");
}

TEST(JavaGolden, SyncGroupV5LeaderAssignment) {
  JavaFrame<SyncGroupRequest> f("SyncGroupRequest_v5.hex", "console-consumer", 7);
  const auto& b = f.body();
  EXPECT_EQ(b.group_id, kGroup);
  EXPECT_GE(b.generation_id, 1);
  EXPECT_EQ(b.member_id, kMember);
  EXPECT_FALSE(b.group_instance_id.has_value());
  EXPECT_EQ(b.protocol_type, "consumer");
  EXPECT_EQ(b.protocol_name, "range");
  ASSERT_EQ(b.assignments.size(), 1u);
  EXPECT_EQ(b.assignments[0].member_id, kMember);
  ASSERT_GE(b.assignments[0].assignment.size(), 2u);
  EXPECT_EQ(be16(b.assignments[0].assignment, 0), 3);  // ConsumerProtocolAssignment v3
}

TEST(JavaGolden, OffsetFetchV9BatchedGroups) {
  JavaFrame<OffsetFetchRequest> f("OffsetFetchRequest_v9.hex", "console-consumer", 8);
  const auto& b = f.body();
  EXPECT_TRUE(b.require_stable);
  EXPECT_EQ(b.group_id, "");  // v0-7 only
  ASSERT_EQ(b.groups.size(), 1u);
  const auto& g = b.groups[0];
  EXPECT_EQ(g.group_id, kGroup);
  EXPECT_FALSE(g.member_id.has_value());
  EXPECT_EQ(g.member_epoch, -1);
  ASSERT_TRUE(g.topics.has_value());
  ASSERT_EQ(g.topics->size(), 1u);
  EXPECT_EQ((*g.topics)[0].partition_indexes, (std::vector<int32_t>{2, 1, 0}));
}

TEST(JavaGolden, HeartbeatV4) {
  JavaFrame<HeartbeatRequest> f("HeartbeatRequest_v4.hex", "console-consumer", 18);
  EXPECT_FALSE(f.body().group_id.empty());
  EXPECT_GE(f.body().generation_id, 1);
  EXPECT_EQ(f.body().member_id, "console-consumer-b8693d8b-d8b2-4eb8-94fe-89e43ba38d9c");
  EXPECT_FALSE(f.body().group_instance_id.has_value());
}

TEST(JavaGolden, LeaveGroupV5) {
  JavaFrame<LeaveGroupRequest> f("LeaveGroupRequest_v5.hex", "console-consumer", 13);
  EXPECT_EQ(f.body().group_id, kGroup);
  EXPECT_EQ(f.body().member_id, "");  // v0-2 only
  ASSERT_EQ(f.body().members.size(), 1u);
  const auto& m = f.body().members[0];
  EXPECT_EQ(m.member_id, kMember);
  EXPECT_FALSE(m.group_instance_id.has_value());
  EXPECT_EQ(m.reason, "the consumer is being closed");
}

TEST(JavaGolden, OffsetCommitV9) {
  JavaFrame<OffsetCommitRequest> f("OffsetCommitRequest_v9.hex", "console-consumer", 13);
  const auto& b = f.body();
  EXPECT_FALSE(b.group_id.empty());
  EXPECT_GE(b.generation_id_or_member_epoch, 1);
  EXPECT_EQ(b.member_id, "console-consumer-21ed98ad-531b-4dbb-b029-8cfbfa2664a5");
  EXPECT_FALSE(b.group_instance_id.has_value());
  ASSERT_EQ(b.topics.size(), 1u);
  EXPECT_FALSE(b.topics[0].partitions.empty());
  for (const auto& p : b.topics[0].partitions) {
    EXPECT_GE(p.committed_offset, 0);
    EXPECT_EQ(p.committed_metadata, "");
  }
}

// --- group admin -------------------------------------------------------------------

TEST(JavaGolden, ListGroupsV5NoFilters) {
  JavaFrame<ListGroupsRequest> f("ListGroupsRequest_v5.hex", "adminclient-1", 4);
  EXPECT_TRUE(f.body().states_filter.empty());
  EXPECT_TRUE(f.body().types_filter.empty());
}

TEST(JavaGolden, ConsumerGroupDescribeV0) {
  JavaFrame<ConsumerGroupDescribeRequest> f("ConsumerGroupDescribeRequest_v0.hex", "adminclient-1", 4);
  EXPECT_EQ(f.body().group_ids, std::vector<std::string>{"G2"});
  EXPECT_FALSE(f.body().include_authorized_operations);
}

TEST(JavaGolden, DescribeGroupsV5) {
  JavaFrame<DescribeGroupsRequest> f("DescribeGroupsRequest_v5.hex", "adminclient-1", 5);
  EXPECT_EQ(f.body().groups, std::vector<std::string>{"G2"});
  EXPECT_FALSE(f.body().include_authorized_operations);
}

TEST(JavaGolden, DeleteGroupsV2) {
  JavaFrame<DeleteGroupsRequest> f("DeleteGroupsRequest_v2.hex", "adminclient-1", 4);
  ASSERT_EQ(f.body().groups_names.size(), 1u);
  EXPECT_FALSE(f.body().groups_names[0].empty());
}

TEST(JavaGolden, OffsetDeleteV0IsNotFlexible) {
  JavaFrame<OffsetDeleteRequest> f("OffsetDeleteRequest_v0.hex", "adminclient-1", 6);
  // Header v1: the client id is followed directly by the body, no tag section.
  EXPECT_EQ(request_header_version(OffsetDeleteRequest::kApiKey, 0), 1);
  EXPECT_EQ(f.body_offset(), 2u + 2 + 4 + 2 + std::string("adminclient-1").size());
  EXPECT_EQ(f.body().group_id, "G2");
  ASSERT_EQ(f.body().topics.size(), 1u);
  EXPECT_EQ(f.body().topics[0].name, "t");
  std::vector<int32_t> partitions;
  for (const auto& p : f.body().topics[0].partitions) partitions.push_back(p.partition_index);
  EXPECT_EQ(partitions, (std::vector<int32_t>{2, 1, 0}));
}

// --- transactions ------------------------------------------------------------------

TEST(JavaGolden, AddPartitionsToTxnV3TopLevelFields) {
  JavaFrame<AddPartitionsToTxnRequest> f("AddPartitionsToTxnRequest_v3.hex", "perf-producer-client", 7);
  const auto& b = f.body();
  EXPECT_TRUE(b.transactions.empty());  // v4+ only
  EXPECT_EQ(b.v3_and_below_transactional_id, "tx1");
  EXPECT_GE(b.v3_and_below_producer_id, 0);
  EXPECT_GE(b.v3_and_below_producer_epoch, 0);
  ASSERT_EQ(b.v3_and_below_topics.size(), 1u);
  EXPECT_EQ(b.v3_and_below_topics[0].name, "perf");
  EXPECT_EQ(b.v3_and_below_topics[0].partitions.size(), 1u);
}

TEST(JavaGolden, AddOffsetsToTxnV4) {
  JavaFrame<AddOffsetsToTxnRequest> f("AddOffsetsToTxnRequest_v4.hex", "producer-tx-copier", 7);
  EXPECT_EQ(f.body().transactional_id, "tx-copier");
  EXPECT_GE(f.body().producer_id, 0);
  EXPECT_GE(f.body().producer_epoch, 0);
  EXPECT_EQ(f.body().group_id, "CGTX");
}

TEST(JavaGolden, TxnOffsetCommitV4) {
  JavaFrame<TxnOffsetCommitRequest> f("TxnOffsetCommitRequest_v4.hex", "producer-tx-copier", 10);
  const auto& b = f.body();
  EXPECT_EQ(b.transactional_id, "tx-copier");
  EXPECT_EQ(b.group_id, "CGTX");
  EXPECT_GE(b.producer_id, 0);
  EXPECT_EQ(b.generation_id, 1);
  EXPECT_EQ(b.member_id, "consumer-CGTX-1-d4f43661-224e-4113-98a8-7c13ffcd1eaa");
  EXPECT_FALSE(b.group_instance_id.has_value());
  ASSERT_FALSE(b.topics.empty());
  for (const auto& t : b.topics)
    for (const auto& p : t.partitions) {
      EXPECT_EQ(p.committed_leader_epoch, -1);
      EXPECT_EQ(p.committed_metadata, "");
    }
}

TEST(JavaGolden, EndTxnV4Commit) {
  JavaFrame<EndTxnRequest> f("EndTxnRequest_v4.hex", "perf-producer-client", 17);
  EXPECT_EQ(f.body().transactional_id, "tx1");
  EXPECT_GE(f.body().producer_id, 0);
  EXPECT_TRUE(f.body().committed);
}

TEST(JavaGolden, ListTransactionsV1NoFilters) {
  JavaFrame<ListTransactionsRequest> f("ListTransactionsRequest_v1.hex", "adminclient-1", 4);
  EXPECT_TRUE(f.body().state_filters.empty());
  EXPECT_TRUE(f.body().producer_id_filters.empty());
  EXPECT_EQ(f.body().duration_filter, -1);
}

TEST(JavaGolden, DescribeTransactionsV0) {
  JavaFrame<DescribeTransactionsRequest> f("DescribeTransactionsRequest_v0.hex", "adminclient-1", 4);
  EXPECT_EQ(f.body().transactional_ids, std::vector<std::string>{"tx1"});
}

TEST(JavaGolden, DescribeProducersV0) {
  JavaFrame<DescribeProducersRequest> f("DescribeProducersRequest_v0.hex", "adminclient-1", 4);
  ASSERT_EQ(f.body().topics.size(), 1u);
  EXPECT_EQ(f.body().topics[0].name, "perf");
  EXPECT_EQ(f.body().topics[0].partition_indexes, std::vector<int32_t>{0});
}

// --- topic and cluster admin -----------------------------------------------------------

TEST(JavaGolden, CreateTopicsV7WithConfig) {
  JavaFrame<CreateTopicsRequest> f("CreateTopicsRequest_v7.hex", "adminclient-1", 3);
  const auto& b = f.body();
  ASSERT_EQ(b.topics.size(), 1u);
  const auto& t = b.topics[0];
  EXPECT_EQ(t.name, "t");
  EXPECT_EQ(t.num_partitions, 3);
  EXPECT_EQ(t.replication_factor, 1);
  EXPECT_TRUE(t.assignments.empty());
  ASSERT_EQ(t.configs.size(), 1u);
  EXPECT_EQ(t.configs[0].name, "retention.ms");
  EXPECT_EQ(t.configs[0].value, "86400000");
  // 30000 minus the time the tool had spent so far.
  EXPECT_GT(b.timeout_ms, 29000);
  EXPECT_LE(b.timeout_ms, 30000);
  EXPECT_FALSE(b.validate_only);
}

TEST(JavaGolden, DeleteTopicsV6ByName) {
  JavaFrame<DeleteTopicsRequest> f("DeleteTopicsRequest_v6.hex", "adminclient-1", 4);
  ASSERT_EQ(f.body().topics.size(), 1u);
  EXPECT_EQ(f.body().topics[0].name, "t2");
  EXPECT_TRUE(f.body().topics[0].topic_id.is_zero());
  EXPECT_TRUE(f.body().topic_names.empty());  // v0-5 only
  EXPECT_EQ(f.body().timeout_ms, 30000);
}

TEST(JavaGolden, CreatePartitionsV3) {
  JavaFrame<CreatePartitionsRequest> f("CreatePartitionsRequest_v3.hex", "adminclient-1", 6);
  ASSERT_EQ(f.body().topics.size(), 1u);
  EXPECT_EQ(f.body().topics[0].name, "t2");
  EXPECT_EQ(f.body().topics[0].count, 4);
  EXPECT_FALSE(f.body().topics[0].assignments.has_value());
  EXPECT_EQ(f.body().timeout_ms, 30000);
  EXPECT_FALSE(f.body().validate_only);
}

TEST(JavaGolden, DescribeClusterV1) {
  JavaFrame<DescribeClusterRequest> f("DescribeClusterRequest_v1.hex", "adminclient-1", 4);
  EXPECT_FALSE(f.body().include_cluster_authorized_operations);
  EXPECT_EQ(f.body().endpoint_type, 1);  // brokers
}

TEST(JavaGolden, DescribeTopicPartitionsV0) {
  JavaFrame<DescribeTopicPartitionsRequest> f("DescribeTopicPartitionsRequest_v0.hex", "adminclient-1", 5);
  ASSERT_EQ(f.body().topics.size(), 1u);
  EXPECT_EQ(f.body().topics[0].name, "t");
  EXPECT_EQ(f.body().response_partition_limit, 2000);
  EXPECT_FALSE(f.body().cursor.has_value());
}

TEST(JavaGolden, DescribeConfigsV4Topic) {
  JavaFrame<DescribeConfigsRequest> f("DescribeConfigsRequest_v4.hex", "adminclient-1", 6);
  ASSERT_EQ(f.body().resources.size(), 1u);
  const auto& r = f.body().resources[0];
  EXPECT_EQ(r.resource_type, 2);  // topic
  EXPECT_EQ(r.resource_name, "t");
  EXPECT_FALSE(r.configuration_keys.has_value());  // all
  EXPECT_FALSE(f.body().include_synonyms);
  EXPECT_FALSE(f.body().include_documentation);
}

TEST(JavaGolden, IncrementalAlterConfigsV1Set) {
  JavaFrame<IncrementalAlterConfigsRequest> f("IncrementalAlterConfigsRequest_v1.hex", "adminclient-1", 4);
  ASSERT_EQ(f.body().resources.size(), 1u);
  const auto& r = f.body().resources[0];
  EXPECT_EQ(r.resource_type, 2);
  EXPECT_FALSE(r.resource_name.empty());
  ASSERT_EQ(r.configs.size(), 1u);
  EXPECT_EQ(r.configs[0].name, "retention.ms");
  EXPECT_EQ(r.configs[0].config_operation, 0);  // SET
  EXPECT_EQ(r.configs[0].value, "1000");
  EXPECT_FALSE(f.body().validate_only);
}

TEST(JavaGolden, ListPartitionReassignmentsV0) {
  JavaFrame<ListPartitionReassignmentsRequest> f("ListPartitionReassignmentsRequest_v0.hex", "adminclient-1", 8);
  EXPECT_EQ(f.body().timeout_ms, 30000);
  ASSERT_TRUE(f.body().topics.has_value());
  ASSERT_EQ(f.body().topics->size(), 1u);
  EXPECT_EQ((*f.body().topics)[0].name, "t");
  EXPECT_EQ((*f.body().topics)[0].partition_indexes, (std::vector<int32_t>{2, 1, 0}));
}

TEST(JavaGolden, DeleteRecordsV2) {
  JavaFrame<DeleteRecordsRequest> f("DeleteRecordsRequest_v2.hex", "adminclient-1", 4);
  ASSERT_EQ(f.body().topics.size(), 1u);
  EXPECT_EQ(f.body().topics[0].name, "t");
  ASSERT_EQ(f.body().topics[0].partitions.size(), 1u);
  EXPECT_EQ(f.body().topics[0].partitions[0].partition_index, 0);
  EXPECT_EQ(f.body().topics[0].partitions[0].offset, 1);
  EXPECT_EQ(f.body().timeout_ms, 60000);
}

TEST(JavaGolden, ElectLeadersV2AllPartitions) {
  JavaFrame<ElectLeadersRequest> f("ElectLeadersRequest_v2.hex", "adminclient-1", 3);
  EXPECT_EQ(f.body().election_type, 0);  // preferred
  EXPECT_FALSE(f.body().topic_partitions.has_value());
  EXPECT_GT(f.body().timeout_ms, 14000);
  EXPECT_LE(f.body().timeout_ms, 15000);
}

TEST(JavaGolden, DescribeLogDirsV4AllTopics) {
  JavaFrame<DescribeLogDirsRequest> f("DescribeLogDirsRequest_v4.hex", "log-dirs-tool", 4);
  EXPECT_FALSE(f.body().topics.has_value());
}

}  // namespace
}  // namespace fjord::protocol
