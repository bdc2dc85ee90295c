#pragma once
// One encoded response frame ready for the socket: buffer bytes with file
// splices (sent with sendfile) plus whatever must stay alive until the bytes
// are written (segment read results pinning file descriptors).
#include <memory>
#include <vector>

#include "protocol/wire/writer.h"

namespace fjord::broker {

struct OutgoingResponse {
  protocol::Writer data;  // includes the 4-byte size prefix
  std::vector<std::shared_ptr<const void>> keepalive;
};

}  // namespace fjord::broker
