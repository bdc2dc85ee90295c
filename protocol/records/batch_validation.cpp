#include "protocol/records/batch_validation.h"

namespace fjord::protocol {

BatchError validate(const RecordBatchView& batch, std::vector<uint8_t>& scratch,
                    const ValidateOptions& options, BatchSummary* summary) {
  if (!batch.crc_valid()) return BatchError::bad_crc;
  if ((batch.attributes() & 0x7) > int(Compression::zstd)) return BatchError::bad_compression;
  int32_t count = batch.record_count();
  if (count < 0) return BatchError::bad_records;
  if (options.require_sequential_offsets && (count == 0 || batch.last_offset_delta() != count - 1))
    return BatchError::bad_records;

  RecordReader reader;
  if (BatchError e = reader.open(batch, scratch, options.max_decompressed); e != BatchError::ok) return e;
  Record record;
  BatchSummary s;
  int32_t previous_delta = -1;
  while (reader.next(&record)) {
    if (options.require_sequential_offsets ? record.offset_delta != reader.records_read() - 1
                                           : record.offset_delta <= previous_delta)
      return BatchError::bad_records;
    if (record.offset_delta > batch.last_offset_delta()) return BatchError::bad_records;
    previous_delta = record.offset_delta;
    int64_t ts = detail::wrapping_add(batch.base_timestamp(), record.timestamp_delta);
    if (ts > s.max_timestamp) {
      s.max_timestamp = ts;
      s.offset_delta_of_max_timestamp = record.offset_delta;
    }
  }
  if (reader.error() != BatchError::ok) return reader.error();
  if (reader.records_read() != count) return BatchError::bad_records;
  s.record_count = count;
  s.records_size = reader.records_size();
  if (summary) *summary = s;
  return BatchError::ok;
}

}  // namespace fjord::protocol
