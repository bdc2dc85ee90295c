#pragma once
// The records of __consumer_offsets in Kafka's formats (schemas in
// kafka-protocol/internal/): a key and a value, each an int16 version then
// the struct. Key version 0/1: OffsetCommitKey, 2: GroupMetadataKey. A null
// value is a tombstone. The structs and their codecs are generated
// (protocol/internal/); this file picks the versions the coordinator writes.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/internal/group_metadata_key.h"
#include "protocol/internal/group_metadata_value.h"
#include "protocol/internal/offset_commit_key.h"
#include "protocol/internal/offset_commit_value.h"

namespace fjord::broker::coordinator {

using protocol::internal::GroupMetadataKey;
using protocol::internal::GroupMetadataValue;
using protocol::internal::OffsetCommitKey;
using protocol::internal::OffsetCommitValue;

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
