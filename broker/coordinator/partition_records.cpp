#include "broker/coordinator/partition_records.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "storage/file_ops.h"

namespace fjord::broker::coordinator {
namespace {

constexpr int32_t kReadBytes = 1 << 20;

// Copies a slice's bytes (memory or file) to the end of `out`.
bool append_slice(const protocol::FileSlice& s, std::vector<uint8_t>& out) {
  size_t at = out.size();
  out.resize(at + s.length);
  if (s.memory) {
    std::memcpy(out.data() + at, s.memory, s.length);
    return true;
  }
  return storage::pread_all(s.fd, out.data() + at, s.length, s.position);
}

}  // namespace

int64_t for_each_record(const storage::PartitionLog& log, int64_t from,
                        const std::function<void(const protocol::Record&)>& fn) {
  std::vector<uint8_t> bytes, scratch;
  int64_t next = std::max(from, log.log_start_offset());
  for (;;) {
    storage::ReadResult rr = log.read(next, kReadBytes, true);
    if (rr.error != storage::Errc::ok) {
      spdlog::error("reading {}-{} at {}: {}", log.topic(), log.partition(), next, storage::to_string(rr.error));
      return -1;
    }
    if (rr.length() == 0) return next;
    bytes.clear();
    if (!append_slice(rr.slice, bytes)) return -1;
    for (const auto& s : rr.more)
      if (!append_slice(s, bytes)) return -1;
    size_t pos = 0;
    while (pos < bytes.size()) {
      protocol::RecordBatchView batch;
      if (protocol::RecordBatchView::parse(bytes.data() + pos, bytes.size() - pos, &batch) != protocol::BatchError::ok)
        return -1;
      pos += batch.total_size();
      next = batch.last_offset() + 1;
      if (batch.control()) continue;
      protocol::RecordReader reader;
      if (reader.open(batch, scratch) != protocol::BatchError::ok) return -1;
      protocol::Record record;
      while (reader.next(&record)) fn(record);
      if (reader.error() != protocol::BatchError::ok) return -1;
    }
  }
}

}  // namespace fjord::broker::coordinator
