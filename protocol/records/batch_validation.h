#pragma once
// The checks Kafka's produce path makes on a magic-2 batch before it is
// appended: CRC, codec, record framing consistent with recordCount and
// lastOffsetDelta, and that compressed data actually decompresses.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/records/record_batch.h"
#include "protocol/records/record_reader.h"

namespace fjord::protocol {

struct ValidateOptions {
  size_t max_decompressed = kDefaultMaxDecompressedBytes;  // beyond this: bad_compression
  // Produce batches carry offset deltas 0..n-1 and at least one record.
  // Batches read back from a compacted log may not; relax for those.
  bool require_sequential_offsets = true;
};

// What a successful pass learnt about the batch.
struct BatchSummary {
  int32_t record_count = 0;
  int64_t max_timestamp = -1;         // from the records (CreateTime), -1 if none
  int32_t offset_delta_of_max_timestamp = -1;
  size_t records_size = 0;            // record bytes after decompression
};

// `scratch` is the reusable decompression buffer. Errors: bad_crc,
// bad_compression (unknown codec, corrupt or over the limit), bad_records.
BatchError validate(const RecordBatchView& batch, std::vector<uint8_t>& scratch,
                    const ValidateOptions& options = {}, BatchSummary* summary = nullptr);

}  // namespace fjord::protocol
