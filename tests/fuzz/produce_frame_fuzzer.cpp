// libFuzzer target: an input is a request frame without its size prefix,
// read through ProduceFrameReader in pieces, with every records field of a
// byte or more detached into arena slots. The key is forced to Produce and
// the version into the parsed range (3-11) so every input meets the parser.
// Reading must never crash or touch memory out of bounds, and whenever the
// frame as sent decodes as a ProduceRequest, the frame read (with its
// detached fields put back) must decode to the same request.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "broker/net/produce_frame_reader.h"
#include "protocol/messages/headers.h"
#include "protocol/messages/produce_request.h"
#include "protocol/wire/reader.h"

using namespace fjord;

namespace {

bool decode(const uint8_t* data, size_t size, int16_t version, protocol::ProduceRequest* out) {
  protocol::Reader r(data, size);
  protocol::RequestHeader h;
  if (!h.decode(r, protocol::request_header_version(0, version)) || !r.ok()) return false;
  return out->decode(r, version) && r.ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, size_t size) {
  if (size < 5) return 0;
  const size_t piece = 1 + input[size - 1] % 64;  // the last byte picks the read size
  std::vector<uint8_t> frame(input, input + size - 1);
  frame[0] = 0;
  frame[1] = 0;
  frame[2] = 0;
  frame[3] = uint8_t(3 + frame[3] % 9);
  const int16_t version = frame[3];

  broker::RecordsPlacer placer = [](const std::string& topic, int32_t partition) {
    return int((topic.size() * 131 + uint32_t(partition)) % 4096);
  };
  storage::BatchArena arena;
  broker::ProduceFrameReader reader(frame.size(), placer, arena, 1);
  size_t pos = 0;
  while (!reader.complete()) {
    auto target = reader.read_target();
    if (target.empty()) std::abort();  // a reader that wants nothing before the frame is whole would hang
    const size_t n = std::min({piece, target.size(), frame.size() - pos});
    std::memcpy(target.data(), frame.data() + pos, n);
    reader.commit(n);
    pos += n;
  }
  if (pos != frame.size()) std::abort();
  broker::FrameBuffer got = reader.take();
  size_t detached = 0;
  for (const auto& d : got->detached) detached += d.bytes.size;
  if (got->size() + detached > frame.size()) std::abort();

  protocol::ProduceRequest sent;
  if (!decode(frame.data(), frame.size(), version, &sent)) return 0;
  protocol::ProduceRequest read;
  if (!decode(got->data(), got->size(), version, &read)) {
    std::fprintf(stderr, "a request that decodes as sent does not decode as read\n");
    std::abort();
  }
  auto next = got->detached.begin();
  size_t ordinal = 0;
  for (auto& topic : read.topic_data)
    for (auto& part : topic.partition_data) {
      if (next != got->detached.end() && next->ordinal == ordinal) {
        part.records.data = next->bytes.data;
        part.records.size = next->bytes.size;
        ++next;
      }
      ++ordinal;
    }
  if (next != got->detached.end() || !(read == sent)) {
    std::fprintf(stderr, "the request read differs from the request sent\n");
    std::abort();
  }
  return 0;
}
