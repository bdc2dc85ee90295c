#include "broker/coordinator/partition_records.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "storage/log/log_batch_reader.h"
#include "storage/log/partition_log.h"

namespace fjord::broker::coordinator {

int64_t for_each_record(const storage::PartitionLog& log, int64_t from,
                        const std::function<void(const protocol::RecordBatchView&, const protocol::Record&)>& fn,
                        const std::function<void(const protocol::RecordBatchView&, bool commit)>& marker) {
  storage::LogBatchReader reader(log, std::max(from, log.log_start_offset()));
  storage::LogBatch batch;
  while (reader.next(&batch)) {
    protocol::Record record;
    if (batch.view.control()) {
      // EndTxnMarker: key = int16 version, int16 type (0 abort, 1 commit).
      while (reader.next_record(&record)) {
        if (record.key.is_null() || record.key.length() < 4) continue;
        const uint8_t* k = record.key.data;
        const int16_t type = int16_t((k[2] << 8) | k[3]);
        if (type == 0 || type == 1) marker(batch.view, type == 1);
      }
    } else {
      while (reader.next_record(&record)) fn(batch.view, record);
    }
    if (reader.error() != storage::Errc::ok) break;
  }
  if (reader.error() != storage::Errc::ok) {
    spdlog::error("reading {}-{} at {}: {}", log.topic(), log.partition(), reader.next_offset(),
                  storage::to_string(reader.error()));
    return -1;
  }
  return reader.next_offset();
}

}  // namespace fjord::broker::coordinator
