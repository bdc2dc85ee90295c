#pragma once
// The records of __consumer_offsets in Kafka's formats (schemas in
// kafka-protocol/internal/): a key and a value, each an int16 version then
// the struct. Key version 0/1: OffsetCommitKey, 2: GroupMetadataKey. A null
// value is a tombstone. Every record (de)serialization of the group
// coordinator lives in this file, so switching to generated codecs is local.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fjord::broker::coordinator {

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  int32_t partition = 0;
};

struct OffsetCommitValue {
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = 0;
  int64_t expire_timestamp = -1;  // version 1 only
};

struct GroupMetadataKey {
  std::string group;
};

struct GroupMetadataValue {
  struct MemberMetadata {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    int32_t rebalance_timeout = -1;
    int32_t session_timeout = 0;
    std::vector<uint8_t> subscription;
    std::vector<uint8_t> assignment;
  };
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t current_state_timestamp = -1;
  std::vector<MemberMetadata> members;
};

// The versions Kafka 3.9 writes (MetadataVersion 3.x): OffsetCommitKey 1,
// GroupMetadataKey 2, OffsetCommitValue 3 (1 when it has an expire
// timestamp), GroupMetadataValue 3.
std::vector<uint8_t> encode_key(const OffsetCommitKey& key);
std::vector<uint8_t> encode_key(const GroupMetadataKey& key);
std::vector<uint8_t> encode_value(const OffsetCommitValue& value);
std::vector<uint8_t> encode_value(const GroupMetadataValue& value);

// A decoded record key: which kind, and its fields.
struct GroupRecordKey {
  enum class Kind { offset_commit, group_metadata, unknown } kind = Kind::unknown;
  OffsetCommitKey offset_commit;
  GroupMetadataKey group_metadata;
};

// False when malformed. An unknown key version decodes as Kind::unknown
// (Kafka's loader skips those records of other coordinators' types).
bool decode_key(std::span<const uint8_t> bytes, GroupRecordKey* out);
// Every version 0-4. False when malformed or of an unknown version.
bool decode_value(std::span<const uint8_t> bytes, OffsetCommitValue* out);
bool decode_value(std::span<const uint8_t> bytes, GroupMetadataValue* out);

}  // namespace fjord::broker::coordinator
