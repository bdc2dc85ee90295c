#pragma once
// The `records` field of Produce and Fetch messages: a view, never a copy.
// Decoded requests point into the connection's (mutable) request buffer, so
// the broker can rewrite base offsets in place before appending. Responses
// may instead carry a file slice that the transport sends with sendfile.
#include <cstdint>
#include <vector>

#include "protocol/wire/writer.h"

namespace fjord::protocol {

struct Records {
  bool is_null = true;
  uint8_t* data = nullptr;  // in-memory bytes (request buffer or owned by the caller)
  uint32_t size = 0;
  FileSlice file;           // used instead of data when file.fd >= 0 (bytes may be in file.memory)
  // With `file`: the pieces that follow it, in order (a log tail's memory
  // comes in pieces: every batch received into an arena slot is one).
  std::vector<FileSlice> more_file;

  uint32_t length() const {
    if (file.fd < 0) return size;
    uint32_t n = file.length;
    for (const auto& s : more_file) n += s.length;
    return n;
  }
  bool operator==(const Records& o) const;
};

}  // namespace fjord::protocol
