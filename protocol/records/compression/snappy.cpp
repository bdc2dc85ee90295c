// snappy as Kafka uses it: the Java client writes xerial snappy-java framing
// (a magic header, then [int32 length][raw snappy block] chunks); librdkafka
// writes one raw block. Reading accepts both, like snappy-java does.
#include <snappy.h>

#include <cstring>

#include "protocol/records/compression/compression.h"
#include "protocol/records/compression/output_window.h"

namespace fjord::protocol::codec {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;  // magic + int32 version + int32 min compatible version
constexpr size_t kXerialBlockSize = 32 * 1024;  // snappy-java's default block size

bool starts_with_magic(const uint8_t* p, size_t n) {
  return n >= sizeof kXerialMagic && std::memcmp(p, kXerialMagic, sizeof kXerialMagic) == 0;
}

CodecError uncompress_block(const uint8_t* p, size_t n, OutputWindow& window) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(p), n, &length))
    return CodecError::corrupt;
  if (length == 0) return CodecError::ok;
  // A snappy element expands at most 64 bytes from 3 (copy with a 2-byte
  // offset), so a larger claimed length is a lie: reject it before
  // allocating for it.
  if (length / 22 > n) return CodecError::corrupt;
  if (!window.grow(length) || window.room() < length) return CodecError::too_large;
  if (!snappy::RawUncompress(reinterpret_cast<const char*>(p), n, reinterpret_cast<char*>(window.cursor())))
    return CodecError::corrupt;
  window.advance(length);
  return window.over_limit() ? CodecError::too_large : CodecError::ok;
}

}  // namespace

CodecError snappy_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  size_t base = out.size();
  size_t blocks = (in.size() + kXerialBlockSize - 1) / kXerialBlockSize;
  out.resize(base + kXerialHeaderSize + blocks * (4 + snappy::MaxCompressedLength(kXerialBlockSize)));
  uint8_t* w = out.data() + base;
  std::memcpy(w, kXerialMagic, sizeof kXerialMagic);
  detail::store_be(w + 8, 1, 4);   // version
  detail::store_be(w + 12, 1, 4);  // minimum compatible version
  w += kXerialHeaderSize;
  for (size_t off = 0; off < in.size(); off += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, in.size() - off);
    size_t compressed = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in.data() + off), n, reinterpret_cast<char*>(w + 4),
                        &compressed);
    detail::store_be(w, uint32_t(compressed), 4);
    w += 4 + compressed;
  }
  out.resize(size_t(w - out.data()));
  return CodecError::ok;
}

CodecError snappy_decompress(std::span<const uint8_t> in, OutputWindow& window) {
  const uint8_t* p = in.data();
  size_t n = in.size();
  if (!starts_with_magic(p, n)) {
    CodecError e = uncompress_block(p, n, window);
    if (e != CodecError::ok) { window.abandon(); return e; }
    window.finish();
    return CodecError::ok;
  }
  while (n > 0) {
    // snappy-java also accepts concatenated streams, each with its header.
    if (starts_with_magic(p, n)) {
      if (n < kXerialHeaderSize) { window.abandon(); return CodecError::corrupt; }
      p += kXerialHeaderSize;
      n -= kXerialHeaderSize;
      continue;
    }
    if (n < 4) { window.abandon(); return CodecError::corrupt; }
    uint32_t chunk = uint32_t(detail::load_be(p, 4));
    p += 4;
    n -= 4;
    if (chunk == 0 || chunk > n) { window.abandon(); return CodecError::corrupt; }
    CodecError e = uncompress_block(p, chunk, window);
    if (e != CodecError::ok) { window.abandon(); return e; }
    p += chunk;
    n -= chunk;
  }
  window.finish();
  return CodecError::ok;
}

}  // namespace fjord::protocol::codec
