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

inline std::string str(const Bytes& b) { return b.is_null() ? std::string("<null>") : std::string(b.view()); }

// The second golden record's value.
inline std::string golden_value2() {
  std::string s;
  for (int i = 0; i < golden::kValue2Repeat; ++i) s += golden::kValue2Unit;
  return s;
}

}  // namespace fjord::protocol::testing
