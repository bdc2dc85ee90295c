#include "broker/coordinator/partition_records.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "storage/log/log_batch_reader.h"
#include "storage/log/partition_log.h"

namespace fjord::broker::coordinator {

int64_t for_each_record(const storage::PartitionLog& log, int64_t from,
                        const std::function<void(const protocol::Record&)>& fn) {
  storage::LogBatchReader reader(log, std::max(from, log.log_start_offset()));
  storage::LogBatch batch;
  while (reader.next(&batch)) {
    if (batch.view.control()) continue;  // transaction markers: nothing to apply
    protocol::Record record;
    while (reader.next_record(&record)) fn(record);
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
