// Real client encodings (captured by tests/messages/golden/capture.py, except
// the Java one, which is built by hand from the spec): decode, check the
// field values, and re-encode to the same bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/api_versions_response.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/headers.h"
#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/produce_request.h"
#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"
#include "request_frame.h"

namespace fjord::protocol {
namespace {

TEST(Golden, LibrdkafkaApiVersionsV3) {
  auto frame = load_hex("kcat_api_versions_v3.hex");
  auto d = decode_request_frame<ApiVersionsRequest>(frame);
  EXPECT_EQ(d.header.request_api_key, 18);
  EXPECT_EQ(d.header.request_api_version, 3);
  EXPECT_EQ(d.header.correlation_id, 1);
  EXPECT_EQ(d.header.client_id, "fjord-golden");
  EXPECT_EQ(d.body.client_software_name, "librdkafka");
  EXPECT_EQ(d.body.client_software_version, "2.0.2");
  EXPECT_EQ(encode_request_frame(d), frame);
}

TEST(Golden, LibrdkafkaMetadataV4) {
  auto frame = load_hex("kcat_metadata_v4.hex");
  auto d = decode_request_frame<MetadataRequest>(frame);
  EXPECT_EQ(d.header.request_api_key, 3);
  EXPECT_EQ(d.header.request_api_version, 4);
  ASSERT_TRUE(d.body.topics.has_value());
  ASSERT_EQ(d.body.topics->size(), 1u);
  EXPECT_EQ((*d.body.topics)[0].name, "golden");
  EXPECT_TRUE(d.body.allow_auto_topic_creation);
  EXPECT_EQ(encode_request_frame(d), frame);
}

TEST(Golden, LibrdkafkaProduceV7Lz4) {
  auto frame = load_hex("kcat_produce_v7_lz4.hex");
  auto d = decode_request_frame<ProduceRequest>(frame);
  EXPECT_EQ(d.header.request_api_key, 0);
  EXPECT_EQ(d.header.request_api_version, 7);
  EXPECT_FALSE(d.body.transactional_id.has_value());
  EXPECT_EQ(d.body.acks, -1);
  EXPECT_EQ(d.body.timeout_ms, 30000);
  ASSERT_EQ(d.body.topic_data.size(), 1u);
  EXPECT_EQ(d.body.topic_data[0].name, "golden");
  ASSERT_EQ(d.body.topic_data[0].partition_data.size(), 1u);
  const auto& p = d.body.topic_data[0].partition_data[0];
  EXPECT_EQ(p.index, 0);
  ASSERT_FALSE(p.records.is_null);
  // The records view points into the frame: decoding copied nothing.
  EXPECT_GE(p.records.data, frame.data() + d.body_offset);
  EXPECT_EQ(p.records.data + p.records.size, frame.data() + frame.size());
  ASSERT_GE(p.records.size, 61u);
  const uint8_t* batch = p.records.data;
  EXPECT_EQ(batch[16], 2);                       // magic
  EXPECT_EQ(batch[22] & 0x07, 3);                // attributes: lz4
  EXPECT_EQ((batch[57] << 24) | (batch[58] << 16) | (batch[59] << 8) | batch[60], 1);  // record count
  EXPECT_EQ(encode_request_frame(d), frame);
}

TEST(Golden, LibrdkafkaListOffsetsV2) {
  auto frame = load_hex("kcat_list_offsets_v2.hex");
  auto d = decode_request_frame<ListOffsetsRequest>(frame);
  EXPECT_EQ(d.header.request_api_version, 2);
  EXPECT_EQ(d.body.replica_id, -1);
  EXPECT_EQ(d.body.isolation_level, 1);  // read_committed
  ASSERT_EQ(d.body.topics.size(), 1u);
  EXPECT_EQ(d.body.topics[0].name, "golden");
  ASSERT_EQ(d.body.topics[0].partitions.size(), 1u);
  EXPECT_EQ(d.body.topics[0].partitions[0].partition_index, 0);
  EXPECT_EQ(d.body.topics[0].partitions[0].timestamp, -2);  // earliest
  EXPECT_EQ(encode_request_frame(d), frame);
}

TEST(Golden, LibrdkafkaFetchV11) {
  auto frame = load_hex("kcat_fetch_v11.hex");
  auto d = decode_request_frame<FetchRequest>(frame);
  EXPECT_EQ(d.header.request_api_version, 11);
  EXPECT_EQ(d.body.replica_id, -1);
  EXPECT_EQ(d.body.max_wait_ms, 500);
  EXPECT_EQ(d.body.min_bytes, 1);
  EXPECT_EQ(d.body.max_bytes, 52428800);
  EXPECT_EQ(d.body.isolation_level, 1);
  EXPECT_EQ(d.body.session_id, 0);
  EXPECT_EQ(d.body.session_epoch, -1);  // sessionless
  ASSERT_EQ(d.body.topics.size(), 1u);
  EXPECT_EQ(d.body.topics[0].topic, "golden");
  ASSERT_EQ(d.body.topics[0].partitions.size(), 1u);
  const auto& p = d.body.topics[0].partitions[0];
  EXPECT_EQ(p.partition, 0);
  EXPECT_EQ(p.current_leader_epoch, -1);
  EXPECT_EQ(p.fetch_offset, 0);
  EXPECT_EQ(p.log_start_offset, -1);
  EXPECT_EQ(p.partition_max_bytes, 1048576);
  EXPECT_TRUE(d.body.forgotten_topics_data.empty());
  EXPECT_EQ(d.body.rack_id, "");
  EXPECT_EQ(encode_request_frame(d), frame);
}

TEST(Golden, LibrdkafkaInitProducerIdV4Flexible) {
  auto frame = load_hex("kcat_init_producer_id_v4.hex");
  auto d = decode_request_frame<InitProducerIdRequest>(frame);
  EXPECT_EQ(d.header.request_api_version, 4);
  EXPECT_EQ(d.header.client_id, "fjord-golden");  // classic string inside header v2
  EXPECT_FALSE(d.body.transactional_id.has_value());  // compact null
  EXPECT_EQ(d.body.transaction_timeout_ms, -1);
  EXPECT_EQ(d.body.producer_id, -1);
  EXPECT_EQ(d.body.producer_epoch, -1);
  EXPECT_EQ(encode_request_frame(d), frame);
}

TEST(Golden, KafkaPythonApiVersionsV0AndMetadataV0) {
  auto av = load_hex("kafka_python_api_versions_v0.hex");
  auto d = decode_request_frame<ApiVersionsRequest>(av);
  EXPECT_EQ(d.header.request_api_version, 0);
  EXPECT_EQ(d.header.client_id, "fjord-golden");
  EXPECT_EQ(d.body, ApiVersionsRequest{});  // v0 has no body fields
  EXPECT_EQ(encode_request_frame(d), av);

  auto md = load_hex("kafka_python_metadata_v0.hex");
  auto m = decode_request_frame<MetadataRequest>(md);
  EXPECT_EQ(m.header.request_api_version, 0);
  EXPECT_EQ(m.header.correlation_id, d.header.correlation_id + 1);  // pipelined
  ASSERT_TRUE(m.body.topics.has_value());
  EXPECT_TRUE(m.body.topics->empty());  // v0: empty means all topics
  EXPECT_EQ(encode_request_frame(m), md);
}

TEST(Golden, KafkajsApiVersionsV2) {
  auto frame = load_hex("kafkajs_api_versions_v2.hex");
  auto d = decode_request_frame<ApiVersionsRequest>(frame);
  EXPECT_EQ(d.header.request_api_version, 2);
  EXPECT_EQ(d.header.correlation_id, 0);
  EXPECT_EQ(d.header.client_id, "fjord-golden");
  EXPECT_EQ(encode_request_frame(d), frame);
}

TEST(Golden, JavaApiVersionsV4BuiltFromSpec) {
  auto frame = load_hex("java_api_versions_v4.hex");
  auto d = decode_request_frame<ApiVersionsRequest>(frame);
  EXPECT_EQ(d.header.request_api_version, 4);
  EXPECT_EQ(d.header.client_id, "adminclient-1");
  EXPECT_EQ(d.body.client_software_name, "apache-kafka-java");
  EXPECT_EQ(d.body.client_software_version, "3.9.0");
  EXPECT_EQ(encode_request_frame(d), frame);
}

// capture.py's hand-built responses, which the real clients accepted.
template <typename Body>
void check_response(const std::string& file, int16_t version, Body& body) {
  auto frame = load_hex(file);
  Reader r(frame.data(), frame.size());
  ResponseHeader header;
  ASSERT_TRUE(header.decode(r, response_header_version(Body::kApiKey, version)));
  ASSERT_TRUE(body.decode(r, version));
  EXPECT_EQ(r.remaining(), 0u);
  Writer w;
  header.encode(w, response_header_version(Body::kApiKey, version));
  body.encode(w, version);
  EXPECT_EQ(w.buffer(), frame);
}

TEST(Golden, ApiVersionsResponsesAcceptedByClients) {
  for (auto [file, version] : {std::pair{"kcat_response_api_versions_v3.hex", 3},
                               std::pair{"kafkajs_response_api_versions_v2.hex", 2}}) {
    SCOPED_TRACE(file);
    ApiVersionsResponse resp;
    check_response(file, static_cast<int16_t>(version), resp);
    EXPECT_EQ(resp.error_code, 0);
    ASSERT_EQ(resp.api_keys.size(), 13u);
    EXPECT_EQ(resp.api_keys[0].api_key, 0);
    EXPECT_EQ(resp.api_keys[0].min_version, 0);
    EXPECT_EQ(resp.api_keys[0].max_version, 7);
    EXPECT_EQ(resp.api_keys[11].api_key, 18);
    EXPECT_EQ(resp.api_keys[11].max_version, 3);
  }
}

}  // namespace
}  // namespace fjord::protocol
