#pragma once
// Test support for golden request frames (header + body, no size prefix):
// reading .hex files, decoding a frame with the generated codecs and encoding
// it again.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "protocol/messages/headers.h"
#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"

namespace fjord::protocol {

// Hex digits of `path` (relative to FJORD_GOLDEN_DIR); '#' lines are comments.
inline std::vector<uint8_t> load_hex(const std::string& path) {
  std::ifstream in(std::string(FJORD_GOLDEN_DIR) + "/" + path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<uint8_t> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string digits;
    for (char c : line)
      if (std::isxdigit(static_cast<unsigned char>(c))) digits += c;
    for (size_t i = 0; i + 1 < digits.size(); i += 2)
      out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// A decoded request frame: header, body, and where the body started.
template <typename Body>
struct Decoded {
  RequestHeader header;
  Body body;
  size_t body_offset = 0;
};

template <typename Body>
Decoded<Body> decode_request_frame(const std::vector<uint8_t>& frame) {
  Decoded<Body> d;
  EXPECT_GE(frame.size(), 4u);
  if (frame.size() < 4) return d;
  const auto key = static_cast<int16_t>((frame[0] << 8) | frame[1]);
  const auto version = static_cast<int16_t>((frame[2] << 8) | frame[3]);
  EXPECT_EQ(key, Body::kApiKey);
  Reader r(frame.data(), frame.size());
  EXPECT_TRUE(d.header.decode(r, request_header_version(key, version)));
  d.body_offset = r.position();
  EXPECT_TRUE(d.body.decode(r, version));
  EXPECT_EQ(r.remaining(), 0u);
  return d;
}

template <typename Body>
std::vector<uint8_t> encode_request_frame(const Decoded<Body>& d) {
  Writer w;
  const int16_t key = d.header.request_api_key, version = d.header.request_api_version;
  d.header.encode(w, request_header_version(key, version));
  EXPECT_EQ(w.size(), d.body_offset);
  const size_t before = w.size();
  d.body.encode(w, version);
  EXPECT_EQ(w.size() - before, d.body.size(version));
  return w.buffer();
}

}  // namespace fjord::protocol
