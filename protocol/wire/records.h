#pragma once
// The `records` field of Produce and Fetch messages: a view, never a copy.
// Decoded requests point into the connection's (mutable) request buffer, so
// the broker can rewrite base offsets in place before appending. Responses
// may instead carry a file slice that the transport sends with sendfile.
#include <cstdint>

#include "protocol/wire/writer.h"

namespace fjord::protocol {

struct Records {
  bool is_null = true;
  uint8_t* data = nullptr;  // in-memory bytes (request buffer or owned by the caller)
  uint32_t size = 0;
  FileSlice file;           // used instead of data when file.fd >= 0 (bytes may be in file.memory)

  uint32_t length() const { return file.fd >= 0 ? file.length : size; }
  bool operator==(const Records& o) const;
};

}  // namespace fjord::protocol
