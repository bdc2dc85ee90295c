#pragma once
// Small helpers shared by the record batch tests.
#include <cstdint>
#include <string>
#include <vector>

#include "golden_bytes.h"
#include "protocol/records/crc32c.h"
#include "protocol/records/record_batch.h"
#include "protocol/records/record_reader.h"

namespace fjord::protocol::testing {

// Recomputes the stored CRC so a test can reach the checks behind it.
inline void fix_crc(std::vector<uint8_t>& batch) {
  detail::store_be(batch.data() + kCrcOffset,
                   crc32c(batch.data() + kAttributesOffset, batch.size() - kAttributesOffset), 4);
}

// Iterates every record, reading each byte it yields, so the sanitizers see
// any out-of-bounds view. Returns a checksum only to keep the reads alive.
inline size_t touch_records(const RecordBatchView& view, std::vector<uint8_t>& scratch,
                            size_t max_decompressed = kDefaultMaxDecompressedBytes) {
  RecordReader reader;
  if (reader.open(view, scratch, max_decompressed) != BatchError::ok) return 0;
  Record r;
  size_t sum = 0;
  while (reader.next(&r)) {
    for (size_t i = 0; i < r.key.length(); ++i) sum += r.key.data[i];
    for (size_t i = 0; i < r.value.length(); ++i) sum += r.value.data[i];
    auto it = r.header_iterator();
    RecordHeader h;
    while (it.next(&h)) sum += h.key.length() + h.value.length();
  }
  return sum;
}

inline std::string str(const Bytes& b) { return b.is_null() ? std::string("<null>") : std::string(b.view()); }

// The second golden record's value.
inline std::string golden_value2() {
  std::string s;
  for (int i = 0; i < golden::kValue2Repeat; ++i) s += golden::kValue2Unit;
  return s;
}

}  // namespace fjord::protocol::testing
