// The records of __consumer_offsets and __transaction_state (Kafka's "data"
// schemas): every schema at every version round-trips, and record keys and
// values laid out byte by byte as Kafka 3.9 writes them decode to the
// expected fields and re-encode to the same bytes.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "protocol/internal/consumer_group_member_metadata_value.h"
#include "protocol/internal/coordinator_record.h"
#include "protocol/internal/group_metadata_key.h"
#include "protocol/internal/group_metadata_value.h"
#include "protocol/internal/offset_commit_key.h"
#include "protocol/internal/offset_commit_value.h"
#include "protocol/internal/test/internal_list.h"
#include "protocol/internal/transaction_log_key.h"
#include "protocol/internal/transaction_log_value.h"
#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"

namespace fjord::protocol::internal {
namespace {

// --- every schema, every version ---------------------------------------------

template <typename Tuple>
struct TupleToTypes;
template <typename... Ts>
struct TupleToTypes<std::tuple<Ts...>> {
  using type = ::testing::Types<Ts...>;
};
using InternalTypes = TupleToTypes<AllInternalTypes>::type;

struct SchemaName {
  template <typename T>
  static std::string GetName(int) {
    std::string name = ::testing::internal::GetTypeName<T>();
    auto colon = name.rfind(':');
    return colon == std::string::npos ? name : name.substr(colon + 1);
  }
};

template <typename M>
class InternalRoundTrip : public ::testing::Test {};
TYPED_TEST_SUITE(InternalRoundTrip, InternalTypes, SchemaName);

TYPED_TEST(InternalRoundTrip, FilledAtEveryVersion) {
  using M = TypeParam;
  for (int v = M::kLowestSupportedVersion; v <= M::kHighestSupportedVersion; ++v) {
    const auto version = static_cast<int16_t>(v);
    SCOPED_TRACE("version " + std::to_string(v));
    M original;
    fill_for_test(original, version, 3);
    EXPECT_FALSE(original == M{});
    Writer w;
    original.encode(w, version);
    ASSERT_EQ(original.size(version), w.size());

    Reader r(w.buffer().data(), w.buffer().size());
    M decoded;
    ASSERT_TRUE(decoded.decode(r, version));
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_TRUE(decoded == original);
    Writer again;
    decoded.encode(again, version);
    EXPECT_EQ(again.buffer(), w.buffer());
  }
}

TYPED_TEST(InternalRoundTrip, VersionedFramingRejectsUnknownVersions) {
  using M = TypeParam;
  M original;
  fill_for_test(original, M::kHighestSupportedVersion, 5);
  const std::vector<uint8_t> bytes = encode_versioned(original, M::kHighestSupportedVersion);
  EXPECT_EQ(read_version(bytes), M::kHighestSupportedVersion);
  M decoded;
  EXPECT_EQ(decode_versioned(bytes, decoded), M::kHighestSupportedVersion);
  EXPECT_TRUE(decoded == original);

  std::vector<uint8_t> newer = bytes;
  newer[1] = static_cast<uint8_t>(M::kHighestSupportedVersion + 1);
  EXPECT_EQ(decode_versioned(newer, decoded), std::nullopt);
  EXPECT_THROW(encode_versioned(original, static_cast<int16_t>(M::kHighestSupportedVersion + 1)),
               std::invalid_argument);
}

// --- Kafka's bytes -------------------------------------------------------------

// Big-endian bytes written by hand from the schemas, independent of Writer.
class Bytes {
 public:
  Bytes& i8(int8_t v) { out_.push_back(static_cast<uint8_t>(v)); return *this; }
  Bytes& i16(int16_t v) { return be(static_cast<uint16_t>(v), 2); }
  Bytes& i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
  Bytes& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
  Bytes& uvarint(uint32_t v) {
    while (v >= 0x80) { out_.push_back(static_cast<uint8_t>(v | 0x80)); v >>= 7; }
    out_.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  Bytes& raw(const std::string& s) { out_.insert(out_.end(), s.begin(), s.end()); return *this; }
  // int16 length + UTF-8 (classic), or uvarint length+1 (compact).
  Bytes& str(const std::string& s) { return i16(static_cast<int16_t>(s.size())).raw(s); }
  Bytes& compact_str(const std::string& s) { return uvarint(static_cast<uint32_t>(s.size() + 1)).raw(s); }
  Bytes& null_str() { return i16(-1); }
  // int32 length + bytes (classic).
  Bytes& blob(const std::vector<uint8_t>& b) {
    i32(static_cast<int32_t>(b.size()));
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  const std::vector<uint8_t>& get() const { return out_; }

 private:
  Bytes& be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  std::vector<uint8_t> out_;
};

// Decodes `bytes` as T (version prefix included), checks the version, and
// that T re-encodes to exactly the same bytes.
template <typename T>
T decode_exact(const std::vector<uint8_t>& bytes, int16_t expected_version) {
  T m;
  EXPECT_EQ(decode_versioned(std::span<const uint8_t>(bytes), m), expected_version);
  EXPECT_EQ(encode_versioned(m, expected_version), bytes);
  return m;
}

// What Kafka 3.9 writes for a consumer's commit: key v1 (the current offset
// key version), value v3 (highest non-flexible; v1 only with an expire time).
TEST(CoordinatorRecordKafkaBytes, OffsetCommitKeyV1ValueV3) {
  const auto key_bytes = Bytes().i16(1).str("my-group").str("orders").i32(2).get();
  const auto key = decode_exact<OffsetCommitKey>(key_bytes, 1);
  EXPECT_EQ(key.group, "my-group");
  EXPECT_EQ(key.topic, "orders");
  EXPECT_EQ(key.partition, 2);
  EXPECT_EQ(read_version(key_bytes), 1);  // 0-1: an offset commit key

  const auto value_bytes =
      Bytes().i16(3).i64(42).i32(7).str("").i64(1730000000123).get();
  const auto value = decode_exact<OffsetCommitValue>(value_bytes, 3);
  EXPECT_EQ(value.offset, 42);
  EXPECT_EQ(value.leader_epoch, 7);
  EXPECT_EQ(value.metadata, "");
  EXPECT_EQ(value.commit_timestamp, 1730000000123);
  EXPECT_EQ(value.expire_timestamp, -1);  // not in v3
  EXPECT_EQ(value_bytes.size(), 2u + 8 + 4 + 2 + 8);
}

TEST(CoordinatorRecordKafkaBytes, OffsetCommitValueV1CarriesExpireTimestamp) {
  const auto bytes = Bytes().i16(1).i64(5).str("meta").i64(1000).i64(2000).get();
  const auto value = decode_exact<OffsetCommitValue>(bytes, 1);
  EXPECT_EQ(value.offset, 5);
  EXPECT_EQ(value.leader_epoch, -1);  // v3+
  EXPECT_EQ(value.metadata, "meta");
  EXPECT_EQ(value.commit_timestamp, 1000);
  EXPECT_EQ(value.expire_timestamp, 2000);
}

// v4 is flexible: compact string and an (empty) tagged-field section.
TEST(CoordinatorRecordKafkaBytes, OffsetCommitValueV4IsFlexible) {
  const auto bytes = Bytes().i16(4).i64(42).i32(7).compact_str("m").i64(99).uvarint(0).get();
  const auto value = decode_exact<OffsetCommitValue>(bytes, 4);
  EXPECT_EQ(value.metadata, "m");
  EXPECT_EQ(value.commit_timestamp, 99);

  // A tag this version does not know (written by a newer broker) is skipped.
  const auto with_tag = Bytes().i16(4).i64(42).i32(7).compact_str("m").i64(99)
                            .uvarint(1).uvarint(5).uvarint(2).i8(1).i8(2).get();
  OffsetCommitValue skipped;
  EXPECT_EQ(decode_value(with_tag, skipped), 4);
  EXPECT_EQ(skipped, value);
}

// Group metadata as Kafka 3.9 writes it: key v2, value v3 with one member of a
// stable consumer group.
TEST(CoordinatorRecordKafkaBytes, GroupMetadataKeyV2ValueV3OneMember) {
  const auto key_bytes = Bytes().i16(2).str("my-group").get();
  EXPECT_EQ(decode_exact<GroupMetadataKey>(key_bytes, 2).group, "my-group");
  EXPECT_EQ(read_version(key_bytes), 2);  // 2: a group metadata key

  const std::string member = "console-consumer-1c7d2f1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f";
  const std::vector<uint8_t> subscription = {0, 3, 0, 0, 0, 1, 0, 6, 'o', 'r', 'd', 'e', 'r', 's',
                                             0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                                             0xff, 0xff};
  const std::vector<uint8_t> assignment = {0, 3, 0, 0, 0, 1, 0, 6, 'o', 'r', 'd', 'e', 'r', 's',
                                           0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
  const auto value_bytes = Bytes()
                               .i16(3)
                               .str("consumer")      // protocolType
                               .i32(1)               // generation
                               .str("range")         // protocol
                               .str(member)          // leader
                               .i64(1730000000456)   // currentStateTimestamp (v2+)
                               .i32(1)               // members
                               .str(member)          // memberId
                               .null_str()           // groupInstanceId (v3+)
                               .str("console-consumer")
                               .str("/127.0.0.1")
                               .i32(300000)          // rebalanceTimeout (v1+)
                               .i32(45000)           // sessionTimeout
                               .blob(subscription)
                               .blob(assignment)
                               .get();
  const auto value = decode_exact<GroupMetadataValue>(value_bytes, 3);
  EXPECT_EQ(value.protocol_type, "consumer");
  EXPECT_EQ(value.generation, 1);
  EXPECT_EQ(value.protocol, "range");
  EXPECT_EQ(value.leader, member);
  EXPECT_EQ(value.current_state_timestamp, 1730000000456);
  ASSERT_EQ(value.members.size(), 1u);
  const auto& m = value.members[0];
  EXPECT_EQ(m.member_id, member);
  EXPECT_EQ(m.group_instance_id, std::nullopt);
  EXPECT_EQ(m.client_id, "console-consumer");
  EXPECT_EQ(m.client_host, "/127.0.0.1");
  EXPECT_EQ(m.rebalance_timeout, 300000);
  EXPECT_EQ(m.session_timeout, 45000);
  EXPECT_EQ(m.subscription, subscription);
  EXPECT_EQ(m.assignment, assignment);
}

// An empty group (all members gone): null protocol and leader, no members.
TEST(CoordinatorRecordKafkaBytes, GroupMetadataValueV3EmptyGroup) {
  const auto bytes = Bytes().i16(3).str("consumer").i32(4).null_str().null_str().i64(77).i32(0).get();
  const auto value = decode_exact<GroupMetadataValue>(bytes, 3);
  EXPECT_EQ(value.generation, 4);
  EXPECT_EQ(value.protocol, std::nullopt);
  EXPECT_EQ(value.leader, std::nullopt);
  EXPECT_TRUE(value.members.empty());
}

// v0 has neither rebalanceTimeout, currentStateTimestamp nor groupInstanceId.
TEST(CoordinatorRecordKafkaBytes, GroupMetadataValueV0) {
  const auto bytes = Bytes().i16(0).str("consumer").i32(1).str("range").str("m").i32(1)
                         .str("m").str("c").str("/h").i32(10000).blob({1}).blob({2}).get();
  const auto value = decode_exact<GroupMetadataValue>(bytes, 0);
  ASSERT_EQ(value.members.size(), 1u);
  EXPECT_EQ(value.members[0].session_timeout, 10000);
  EXPECT_EQ(value.members[0].rebalance_timeout, -1);
  EXPECT_EQ(value.current_state_timestamp, -1);
}

// __transaction_state as Kafka 3.9 writes it (transaction.version 0): key v0,
// value v0; the partitions are null in the Empty state.
TEST(CoordinatorRecordKafkaBytes, TransactionLogKeyV0ValueV0) {
  const auto key_bytes = Bytes().i16(0).str("tx1").get();
  EXPECT_EQ(decode_exact<TransactionLogKey>(key_bytes, 0).transactional_id, "tx1");

  const auto ongoing = Bytes()
                           .i16(0)
                           .i64(1000)        // ProducerId
                           .i16(3)           // ProducerEpoch
                           .i32(60000)       // TransactionTimeoutMs
                           .i8(1)            // TransactionStatus: Ongoing
                           .i32(2)           // TransactionPartitions
                           .str("out").i32(2).i32(0).i32(1)
                           .str("__consumer_offsets").i32(1).i32(17)
                           .i64(1730000000789)  // TransactionLastUpdateTimestampMs
                           .i64(1730000000700)  // TransactionStartTimestampMs
                           .get();
  const auto value = decode_exact<TransactionLogValue>(ongoing, 0);
  EXPECT_EQ(value.producer_id, 1000);
  EXPECT_EQ(value.producer_epoch, 3);
  EXPECT_EQ(value.transaction_timeout_ms, 60000);
  EXPECT_EQ(value.transaction_status, 1);
  ASSERT_TRUE(value.transaction_partitions.has_value());
  ASSERT_EQ(value.transaction_partitions->size(), 2u);
  EXPECT_EQ((*value.transaction_partitions)[0].topic, "out");
  EXPECT_EQ((*value.transaction_partitions)[0].partition_ids, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ((*value.transaction_partitions)[1].topic, "__consumer_offsets");
  EXPECT_EQ(value.transaction_last_update_timestamp_ms, 1730000000789);
  EXPECT_EQ(value.transaction_start_timestamp_ms, 1730000000700);

  const auto empty = Bytes().i16(0).i64(1000).i16(4).i32(60000).i8(0).i32(-1).i64(5).i64(-1).get();
  const auto empty_value = decode_exact<TransactionLogValue>(empty, 0);
  EXPECT_EQ(empty_value.transaction_partitions, std::nullopt);
  EXPECT_EQ(empty_value.transaction_start_timestamp_ms, -1);
}

// v1 (transaction.version 2) is flexible: compact arrays and strings.
TEST(CoordinatorRecordKafkaBytes, TransactionLogValueV1IsFlexible) {
  const auto bytes = Bytes().i16(1).i64(7).i16(0).i32(1000).i8(2).uvarint(2)
                         .compact_str("t").uvarint(2).i32(3).uvarint(0)  // one topic, partition 3
                         .i64(10).i64(9).uvarint(0).get();
  const auto value = decode_exact<TransactionLogValue>(bytes, 1);
  ASSERT_TRUE(value.transaction_partitions.has_value());
  ASSERT_EQ(value.transaction_partitions->size(), 1u);
  EXPECT_EQ((*value.transaction_partitions)[0].partition_ids, std::vector<int32_t>{3});
}

// A nullable struct in a tagged field is marked with an unsigned varint
// (0 null, 1 present), not the int8 -1/1 of untagged nullable structs. Its
// default is the empty struct, so a null is written and an empty one is not.
TEST(CoordinatorRecordKafkaBytes, ConsumerGroupMemberMetadataValueTaggedNullableStruct) {
  auto prefix = [] {
    Bytes b;
    b.i16(0).uvarint(0)              // InstanceId null
        .compact_str("rack-a")       // RackId
        .compact_str("client").compact_str("/10.0.0.1")
        .uvarint(2).compact_str("orders")  // SubscribedTopicNames
        .uvarint(0)                  // SubscribedTopicRegex null
        .i32(300000)                 // RebalanceTimeoutMs
        .compact_str("uniform");     // ServerAssignor
    return b;
  };
  // ClassicMemberMetadata: SessionTimeoutMs (4) + SupportedProtocols (1 + one
  // element: name 6, metadata 4, tags 1) + tags (1) = 17 bytes; the tagged
  // field holds the presence marker too, so its size is 18.
  const auto with_classic = prefix()
                                .uvarint(1)   // one tagged field
                                .uvarint(0)   // tag 0: ClassicMemberMetadata
                                .uvarint(18)  // its size
                                .uvarint(1)   // present
                                .i32(45000)   // SessionTimeoutMs
                                .uvarint(2).compact_str("range").uvarint(4).i8(9).i8(8).i8(7).uvarint(0)
                                .uvarint(0)   // ClassicMemberMetadata's tagged fields
                                .get();
  const auto value = decode_exact<ConsumerGroupMemberMetadataValue>(with_classic, 0);
  EXPECT_EQ(value.instance_id, std::nullopt);
  EXPECT_EQ(value.rack_id, "rack-a");
  EXPECT_EQ(value.subscribed_topic_names, std::vector<std::string>{"orders"});
  EXPECT_EQ(value.subscribed_topic_regex, std::nullopt);
  EXPECT_EQ(value.server_assignor, "uniform");
  ASSERT_TRUE(value.classic_member_metadata.has_value());
  EXPECT_EQ(value.classic_member_metadata->session_timeout_ms, 45000);
  ASSERT_EQ(value.classic_member_metadata->supported_protocols.size(), 1u);
  EXPECT_EQ(value.classic_member_metadata->supported_protocols[0].name, "range");
  EXPECT_EQ(value.classic_member_metadata->supported_protocols[0].metadata, (std::vector<uint8_t>{9, 8, 7}));

  // A consumer-protocol member: null is not the default, so it is written.
  const auto with_null = prefix().uvarint(1).uvarint(0).uvarint(1).uvarint(0).get();
  EXPECT_EQ(decode_exact<ConsumerGroupMemberMetadataValue>(with_null, 0).classic_member_metadata,
            std::nullopt);

  // The default (an empty struct) leaves the tagged section empty.
  const auto with_default = prefix().uvarint(0).get();
  const auto defaulted = decode_exact<ConsumerGroupMemberMetadataValue>(with_default, 0);
  ASSERT_TRUE(defaulted.classic_member_metadata.has_value());
  EXPECT_TRUE(defaulted.classic_member_metadata->supported_protocols.empty());
}

TEST(CoordinatorRecord, RejectsShortTrailingAndMalformedBytes) {
  OffsetCommitKey key;
  EXPECT_EQ(read_version(std::vector<uint8_t>{0}), std::nullopt);
  EXPECT_EQ(decode_key(std::vector<uint8_t>{0}, key), std::nullopt);
  auto bytes = Bytes().i16(1).str("g").str("t").i32(0).get();
  EXPECT_EQ(decode_key(bytes, key), 1);
  bytes.push_back(0);
  EXPECT_EQ(decode_key(bytes, key), std::nullopt);  // trailing byte
  bytes.resize(bytes.size() - 3);
  EXPECT_EQ(decode_key(bytes, key), std::nullopt);  // truncated
  // Key version 2 is a GroupMetadataKey, not an offset key.
  EXPECT_EQ(decode_key(Bytes().i16(2).str("g").get(), key), std::nullopt);
}

TEST(CoordinatorRecord, EncodesKeyAndValueWithVersionPrefix) {
  OffsetCommitKey key;
  key.group = "g";
  key.topic = "t";
  key.partition = 9;
  EXPECT_EQ(encode_key(key, 1), Bytes().i16(1).str("g").str("t").i32(9).get());
  OffsetCommitValue value;
  value.offset = 12;
  value.leader_epoch = 0;
  value.commit_timestamp = 34;
  EXPECT_EQ(encode_value(value, 3), Bytes().i16(3).i64(12).i32(0).str("").i64(34).get());
}

}  // namespace
}  // namespace fjord::protocol::internal
