#include "broker/coordinator/group_records.h"

#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"

namespace fjord::broker::coordinator {
namespace {

using protocol::Reader;
using protocol::Writer;

constexpr int16_t kOffsetCommitKeyVersion = 1;
constexpr int16_t kGroupMetadataKeyVersion = 2;
constexpr int16_t kOffsetCommitValueVersion = 3;
constexpr int16_t kOffsetCommitValueExpireVersion = 1;
constexpr int16_t kGroupMetadataValueVersion = 3;
constexpr int16_t kFlexibleVersion = 4;  // of both values

void write_bytes(Writer& w, const std::vector<uint8_t>& b, bool compact) {
  compact ? w.compact_len(int64_t(b.size())) : w.classic_len32(int64_t(b.size()));
  w.raw(b.data(), b.size());
}

bool read_bytes(Reader& r, bool compact, std::vector<uint8_t>* out) {
  int64_t n = compact ? r.compact_len() : r.classic_len32();
  if (n < 0) return false;  // null is not allowed here
  const uint8_t* p = r.take(size_t(n));
  if (!p && n > 0) return false;
  out->assign(p, p + n);
  return r.ok();
}

// Flexible versions end every struct with tagged fields; none are known.
void skip_tagged_fields(Reader& r) {
  uint32_t n = r.uvarint();
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    r.uvarint();  // tag
    r.skip(r.uvarint());
  }
}


}  // namespace

std::vector<uint8_t> encode_key(const OffsetCommitKey& key) {
  Writer w;
  w.i16(kOffsetCommitKeyVersion);
  w.string(key.group, false);
  w.string(key.topic, false);
  w.i32(key.partition);
  return std::move(w.buffer());
}

std::vector<uint8_t> encode_key(const GroupMetadataKey& key) {
  Writer w;
  w.i16(kGroupMetadataKeyVersion);
  w.string(key.group, false);
  return std::move(w.buffer());
}

std::vector<uint8_t> encode_value(const OffsetCommitValue& v) {
  Writer w;
  if (v.expire_timestamp >= 0) {
    w.i16(kOffsetCommitValueExpireVersion);
    w.i64(v.offset);
    w.string(v.metadata, false);
    w.i64(v.commit_timestamp);
    w.i64(v.expire_timestamp);
  } else {
    w.i16(kOffsetCommitValueVersion);
    w.i64(v.offset);
    w.i32(v.leader_epoch);
    w.string(v.metadata, false);
    w.i64(v.commit_timestamp);
  }
  return std::move(w.buffer());
}

std::vector<uint8_t> encode_value(const GroupMetadataValue& v) {
  Writer w;
  w.i16(kGroupMetadataValueVersion);
  w.string(v.protocol_type, false);
  w.i32(v.generation);
  w.nullable_string(v.protocol, false);
  w.nullable_string(v.leader, false);
  w.i64(v.current_state_timestamp);
  w.classic_len32(int64_t(v.members.size()));
  for (const auto& m : v.members) {
    w.string(m.member_id, false);
    w.nullable_string(m.group_instance_id, false);
    w.string(m.client_id, false);
    w.string(m.client_host, false);
    w.i32(m.rebalance_timeout);
    w.i32(m.session_timeout);
    write_bytes(w, m.subscription, false);
    write_bytes(w, m.assignment, false);
  }
  return std::move(w.buffer());
}

bool decode_key(std::span<const uint8_t> bytes, GroupRecordKey* out) {
  Reader r(bytes.data(), bytes.size());
  int16_t version = r.i16();
  if (!r.ok()) return false;
  if (version == 0 || version == 1) {
    out->kind = GroupRecordKey::Kind::offset_commit;
    out->offset_commit.group = r.string(false);
    out->offset_commit.topic = r.string(false);
    out->offset_commit.partition = r.i32();
  } else if (version == 2) {
    out->kind = GroupRecordKey::Kind::group_metadata;
    out->group_metadata.group = r.string(false);
  } else {
    out->kind = GroupRecordKey::Kind::unknown;
  }
  return r.ok();
}

bool decode_value(std::span<const uint8_t> bytes, OffsetCommitValue* out) {
  Reader r(bytes.data(), bytes.size());
  int16_t version = r.i16();
  if (!r.ok() || version < 0 || version > kFlexibleVersion) return false;
  const bool flexible = version >= kFlexibleVersion;
  *out = OffsetCommitValue{};
  out->offset = r.i64();
  if (version >= 3) out->leader_epoch = r.i32();
  out->metadata = r.string(flexible);
  out->commit_timestamp = r.i64();
  if (version == 1) out->expire_timestamp = r.i64();
  if (flexible) skip_tagged_fields(r);
  return r.ok();
}

bool decode_value(std::span<const uint8_t> bytes, GroupMetadataValue* out) {
  Reader r(bytes.data(), bytes.size());
  int16_t version = r.i16();
  if (!r.ok() || version < 0 || version > kFlexibleVersion) return false;
  const bool flexible = version >= kFlexibleVersion;
  *out = GroupMetadataValue{};
  out->protocol_type = r.string(flexible);
  out->generation = r.i32();
  out->protocol = r.nullable_string(flexible);
  out->leader = r.nullable_string(flexible);
  if (version >= 2) out->current_state_timestamp = r.i64();
  int64_t n = flexible ? r.compact_count() : r.classic_count();
  if (n < 0) return false;
  for (int64_t i = 0; i < n && r.ok(); ++i) {
    auto& m = out->members.emplace_back();
    m.member_id = r.string(flexible);
    if (version >= 3) m.group_instance_id = r.nullable_string(flexible);
    m.client_id = r.string(flexible);
    m.client_host = r.string(flexible);
    if (version >= 1) m.rebalance_timeout = r.i32();
    m.session_timeout = r.i32();
    if (!read_bytes(r, flexible, &m.subscription) || !read_bytes(r, flexible, &m.assignment)) return false;
    if (flexible) skip_tagged_fields(r);
  }
  if (flexible) skip_tagged_fields(r);
  return r.ok();
}

}  // namespace fjord::broker::coordinator
