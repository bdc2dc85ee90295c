// libFuzzer target: an input is a request frame without its size prefix, as
// the broker sees it. The header is decoded at the API's header version, then
// the body with check_request_round_trip(). Keys fjord has no schema for are mapped onto
// a known API so that most inputs reach a body decoder. Decoding must never
// crash, read out of bounds or allocate for counts the input cannot hold, and
// whatever it accepts must re-encode consistently (size(), equality, bytes).
#include <cstddef>
#include <cstdint>

#include <cstdio>
#include <cstdlib>

#include "protocol/messages/api_table.h"
#include "protocol/messages/headers.h"
#include "protocol/messages/test/round_trip.h"
#include "protocol/wire/reader.h"

using namespace fjord::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  int16_t key = static_cast<int16_t>((data[0] << 8) | data[1]);
  const int16_t version = static_cast<int16_t>((data[2] << 8) | data[3]);
  if (find_api(key) == nullptr) {
    auto apis = all_apis();
    key = apis[static_cast<uint16_t>(key) % apis.size()].key;
  }
  Reader r(data, size);
  RequestHeader header;
  if (!header.decode(r, request_header_version(key, version))) return 0;
  Reader body(r.cursor(), r.remaining());
  RoundTripResult req = check_request_round_trip(key, version, body);
  // The same bytes as a response body exercise the other half of the codecs.
  Reader as_response(r.cursor(), r.remaining());
  RoundTripResult resp = check_response_round_trip(key, version, as_response);
  for (RoundTripResult result : {req, resp}) {
    if (result != RoundTripResult::kRejected && result != RoundTripResult::kOk) {
      std::fprintf(stderr, "codec inconsistency %d for api key %d v%d\n", static_cast<int>(result), key, version);
      std::abort();
    }
  }
  return 0;
}
