#pragma once
// What OffsetCommit and TxnOffsetCommit share (GroupCoordinatorShard):
// the offset records a request makes, and its answer's per-partition codes.
#include <cstdint>
#include <string>
#include <vector>

#include "broker/coordinator/coordinator_shard.h"
#include "broker/coordinator/group_errors.h"
#include "broker/coordinator/group_records.h"

namespace fjord::broker::coordinator {

// Every partition of the request answered with `error`.
template <typename Request, typename Response>
void answer_every_partition(const Request& req, Response& resp, int16_t error) {
  for (const auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (const auto& p : t.partitions) rt.partitions.push_back({p.partition_index, error});
  }
}

// The OffsetCommit records of the request's partitions, their answers filled
// in as it goes: OFFSET_METADATA_TOO_LARGE (and no record) over the limit,
// NONE otherwise. `commit_timestamp(p)` is a partition's commit time.
template <typename Request, typename Response, typename CommitTimestamp>
std::vector<CoordinatorRecord> offset_commit_records(const Request& req, Response& resp, int32_t metadata_max_bytes,
                                                     int64_t expire_timestamp, CommitTimestamp commit_timestamp) {
  std::vector<CoordinatorRecord> records;
  for (const auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (const auto& p : t.partitions) {
      const std::string metadata = p.committed_metadata.value_or("");
      if (int64_t(metadata.size()) > metadata_max_bytes) {
        rt.partitions.push_back({p.partition_index, error::kOffsetMetadataTooLarge});
        continue;
      }
      rt.partitions.push_back({p.partition_index, error::kNone});
      OffsetCommitValue v;
      v.offset = p.committed_offset;
      v.leader_epoch = p.committed_leader_epoch;
      v.metadata = metadata;
      v.commit_timestamp = commit_timestamp(p);
      v.expire_timestamp = expire_timestamp;
      records.push_back({encode_key(OffsetCommitKey{req.group_id, t.name, p.partition_index}), encode_value(v)});
    }
  }
  return records;
}

// A failed append of the records: the partitions that were to commit get
// Kafka's answer for it.
template <typename Response>
void fail_offset_commit(Response& resp, int16_t append_error) {
  const int16_t e = append_error == error::kUnknownServerError ? error::kInvalidCommitOffsetSize : append_error;
  for (auto& t : resp.topics)
    for (auto& p : t.partitions)
      if (p.error_code == error::kNone) p.error_code = e;
}

}  // namespace fjord::broker::coordinator
