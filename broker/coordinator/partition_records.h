#pragma once
// Reads a coordinator partition's records in order, for loading a shard:
// the one place the coordinators read a log (through storage's LogBatchReader).
#include <cstdint>
#include <functional>

#include "protocol/records/record_reader.h"
#include "storage/log/partition_log.h"

namespace fjord::broker::coordinator {

// Calls fn(batch, record) for every record of data batches and
// marker(batch, commit) for every transaction marker, from `from` up to the
// high watermark; returns the offset after the last batch read, or -1 on a
// read or format error.
int64_t for_each_record(const storage::PartitionLog& log, int64_t from,
                        const std::function<void(const protocol::RecordBatchView&, const protocol::Record&)>& fn,
                        const std::function<void(const protocol::RecordBatchView&, bool commit)>& marker);

}  // namespace fjord::broker::coordinator
