// Record codecs of __consumer_offsets and the group -> partition mapping.
#include <gtest/gtest.h>

#include "broker/coordinator/group_partitioner.h"
#include "broker/coordinator/group_records.h"
#include "protocol/wire/writer.h"

namespace fjord::broker::coordinator {
namespace {

TEST(GroupPartitioner, MatchesJavaStringHashCode) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("hello"), 99162322);
  EXPECT_EQ(java_string_hash("console-consumer-12345"), 158455506);
  // Non-ASCII: UTF-16 units, with a surrogate pair for U+1F600.
  EXPECT_EQ(java_string_hash("\xC3\xA9"), 0xE9);
  EXPECT_EQ(java_string_hash("\xF0\x9F\x98\x80"), 0xD83D * 31 + 0xDE00);
  EXPECT_EQ(kafka_abs(INT32_MIN), 0);
  EXPECT_EQ(kafka_abs(-5), 5);
  // Values computed with Kafka's Utils.abs("..".hashCode()) % 50.
  EXPECT_EQ(partition_for_group("hello", 50), 22);
  EXPECT_EQ(java_string_hash("my-group"), -1906497762);
  EXPECT_EQ(partition_for_group("my-group", 50), 12);
}

TEST(GroupRecords, OffsetCommitRoundTripsAndDecodesEveryVersion) {
  OffsetCommitValue v{12, 3, "meta", 1000, -1};
  auto bytes = encode_value(v);
  OffsetCommitValue out;
  ASSERT_TRUE(decode_value(bytes, &out));
  EXPECT_EQ(out.offset, 12);
  EXPECT_EQ(out.leader_epoch, 3);
  EXPECT_EQ(out.metadata, "meta");
  EXPECT_EQ(out.commit_timestamp, 1000);
  v.expire_timestamp = 5000;  // written as version 1
  bytes = encode_value(v);
  EXPECT_EQ(bytes[1], 1);
  ASSERT_TRUE(decode_value(bytes, &out));
  EXPECT_EQ(out.expire_timestamp, 5000);
  EXPECT_EQ(out.leader_epoch, -1);
  // Version 4 (flexible): compact string and tagged fields.
  protocol::Writer w;
  w.i16(4);
  w.i64(77);
  w.i32(9);
  w.string("x", true);
  w.i64(123);
  w.uvarint(1);  // one unknown tagged field
  w.uvarint(5);
  w.uvarint(2);
  w.i16(0);
  ASSERT_TRUE(decode_value(w.buffer(), &out));
  EXPECT_EQ(out.offset, 77);
  EXPECT_EQ(out.metadata, "x");
  EXPECT_EQ(out.commit_timestamp, 123);
  std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 1);
  EXPECT_FALSE(decode_value(truncated, &out));
}

TEST(GroupRecords, GroupMetadataRoundTrips) {
  GroupMetadataValue v;
  v.protocol_type = "consumer";
  v.generation = 4;
  v.protocol = "range";
  v.leader = "m1";
  v.current_state_timestamp = 99;
  v.members.push_back({"m1", std::string("i1"), "c", "/h", 30000, 10000, {1}, {2, 3}});
  auto bytes = encode_value(v);
  EXPECT_EQ(bytes[1], 3);
  GroupMetadataValue out;
  ASSERT_TRUE(decode_value(bytes, &out));
  EXPECT_EQ(out.generation, 4);
  EXPECT_EQ(out.protocol, "range");
  ASSERT_EQ(out.members.size(), 1u);
  EXPECT_EQ(out.members[0].group_instance_id, "i1");
  EXPECT_EQ(out.members[0].assignment, (std::vector<uint8_t>{2, 3}));

  GroupRecordKey key;
  ASSERT_TRUE(decode_key(encode_key(GroupMetadataKey{"g"}), &key));
  EXPECT_EQ(key.kind, GroupRecordKey::Kind::group_metadata);
  EXPECT_EQ(key.group_metadata.group, "g");
  ASSERT_TRUE(decode_key(encode_key(OffsetCommitKey{"g", "t", 7}), &key));
  EXPECT_EQ(key.kind, GroupRecordKey::Kind::offset_commit);
  EXPECT_EQ(key.offset_commit.partition, 7);
  std::vector<uint8_t> other = {0, 9, 1, 2};  // a new-protocol record type
  ASSERT_TRUE(decode_key(other, &key));
  EXPECT_EQ(key.kind, GroupRecordKey::Kind::unknown);
}

}  // namespace
}  // namespace fjord::broker::coordinator
