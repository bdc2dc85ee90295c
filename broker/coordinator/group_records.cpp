#include "broker/coordinator/group_records.h"

#include "protocol/internal/coordinator_record.h"

namespace fjord::broker::coordinator {
namespace {

namespace internal = protocol::internal;

constexpr int16_t kOffsetCommitKeyVersion = 1;
constexpr int16_t kGroupMetadataKeyVersion = 2;
constexpr int16_t kOffsetCommitValueVersion = 3;
constexpr int16_t kOffsetCommitValueExpireVersion = 1;  // the only one with an expire timestamp
constexpr int16_t kGroupMetadataValueVersion = 3;

}  // namespace

std::vector<uint8_t> encode_key(const OffsetCommitKey& key) {
  return internal::encode_key(key, kOffsetCommitKeyVersion);
}

std::vector<uint8_t> encode_key(const GroupMetadataKey& key) {
  return internal::encode_key(key, kGroupMetadataKeyVersion);
}

std::vector<uint8_t> encode_value(const OffsetCommitValue& v) {
  return internal::encode_value(v, v.expire_timestamp >= 0 ? kOffsetCommitValueExpireVersion : kOffsetCommitValueVersion);
}

std::vector<uint8_t> encode_value(const GroupMetadataValue& v) {
  return internal::encode_value(v, kGroupMetadataValueVersion);
}

bool decode_key(std::span<const uint8_t> bytes, GroupRecordKey* out) {
  auto version = internal::read_version(bytes);
  if (!version) return false;
  if (*version >= OffsetCommitKey::kLowestSupportedVersion && *version <= OffsetCommitKey::kHighestSupportedVersion) {
    out->kind = GroupRecordKey::Kind::offset_commit;
    return internal::decode_key(bytes, out->offset_commit).has_value();
  }
  if (*version >= GroupMetadataKey::kLowestSupportedVersion && *version <= GroupMetadataKey::kHighestSupportedVersion) {
    out->kind = GroupRecordKey::Kind::group_metadata;
    return internal::decode_key(bytes, out->group_metadata).has_value();
  }
  out->kind = GroupRecordKey::Kind::unknown;  // the new consumer protocol's records
  return true;
}

bool decode_value(std::span<const uint8_t> bytes, OffsetCommitValue* out) {
  *out = OffsetCommitValue{};
  return internal::decode_value(bytes, *out).has_value();
}

bool decode_value(std::span<const uint8_t> bytes, GroupMetadataValue* out) {
  *out = GroupMetadataValue{};
  return internal::decode_value(bytes, *out).has_value();
}

}  // namespace fjord::broker::coordinator
