// LZ4 in Kafka's framing, which is the standard LZ4 frame format. Kafka
// writes 64 KiB independent blocks without checksums; librdkafka and the
// lz4 CLI may use other settings, all of which LZ4F_decompress reads.
// KAFKA-3160: Kafka before 0.10 computed the frame header checksum over the
// 4-byte magic number as well; magic-0 messages keep that broken byte, and
// Kafka ignores the header checksum when reading them.
#include <lz4frame.h>

#include <algorithm>
#include <cstring>

#include "protocol/records/compression/compression.h"
#include "protocol/records/compression/output_window.h"
#include "protocol/records/compression/xxhash32.h"

namespace fjord::protocol::codec {
namespace {

constexpr size_t kMagicSize = 4;
constexpr size_t kMaxHeaderSize = 19;  // magic, FLG, BD, content size, dict id, HC

// One context per thread. After a failed or abandoned frame the context is
// rebuilt: liblz4 1.9.4's reset alone left it rejecting the next good frame
// (seen after a block-checksum failure).
struct Decompressor {
  LZ4F_dctx* ctx = nullptr;
  Decompressor() { create(); }
  ~Decompressor() { if (ctx) LZ4F_freeDecompressionContext(ctx); }
  void create() {
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) ctx = nullptr;
  }
  void recreate() {
    if (ctx) LZ4F_freeDecompressionContext(ctx);
    ctx = nullptr;
    create();
  }
};

CodecError decompress_frames(LZ4F_dctx* ctx, const uint8_t* p, size_t n, OutputWindow& window,
                             Lz4HeaderChecksum hc);

// Size of the frame header at p (through HC), or 0 if it is not one.
size_t frame_header_size(const uint8_t* p, size_t n) {
  if (n < 7 || p[0] != 0x04 || p[1] != 0x22 || p[2] != 0x4D || p[3] != 0x18) return 0;
  uint8_t flg = p[4];
  size_t size = 7 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
  return size <= n ? size : 0;
}

// The frame's maximum block size from its BD byte (64 KiB if unreadable).
size_t block_size(const uint8_t* p, size_t n) {
  if (frame_header_size(p, n) == 0) return 64 << 10;
  int id = (p[5] >> 4) & 0x7;
  return id >= 4 ? size_t{1} << (8 + 2 * id) : size_t{64} << 10;
}

uint8_t header_checksum(const uint8_t* from, const uint8_t* hc_pos) {
  return uint8_t(xxhash32(from, size_t(hc_pos - from), 0) >> 8);
}

}  // namespace

CodecError lz4_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, Lz4HeaderChecksum hc) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof prefs);
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  size_t base = out.size();
  out.resize(base + LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data() + base, out.size() - base, in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) { out.resize(base); return CodecError::internal; }
  out.resize(base + n);
  if (hc == Lz4HeaderChecksum::kafka_3160_broken) {
    uint8_t* frame = out.data() + base;
    size_t header = frame_header_size(frame, n);
    if (header == 0) { out.resize(base); return CodecError::internal; }
    frame[header - 1] = header_checksum(frame, frame + header - 1);
  }
  return CodecError::ok;
}

CodecError lz4_decompress(std::span<const uint8_t> in, OutputWindow& window, Lz4HeaderChecksum hc) {
  thread_local Decompressor d;
  if (!d.ctx) d.create();
  if (!d.ctx) return CodecError::internal;
  LZ4F_resetDecompressionContext(d.ctx);
  CodecError e = decompress_frames(d.ctx, in.data(), in.size(), window, hc);
  if (e != CodecError::ok) {
    window.abandon();
    d.recreate();
    return e;
  }
  window.finish();
  return CodecError::ok;
}

namespace {

CodecError decompress_frames(LZ4F_dctx* ctx, const uint8_t* p, size_t n, OutputWindow& window,
                             Lz4HeaderChecksum hc) {
  const size_t block = block_size(p, n);
  if (hc == Lz4HeaderChecksum::kafka_3160_broken) {
    // Feed a copy of the header with the checksum Kafka would have ignored
    // replaced by the correct one, then the rest from the input in place.
    size_t header = frame_header_size(p, n);
    if (header == 0) return CodecError::corrupt;
    uint8_t fixed[kMaxHeaderSize];
    std::memcpy(fixed, p, header);
    fixed[header - 1] = header_checksum(fixed + kMagicSize, fixed + header - 1);
    size_t consumed = header, produced = 0;
    size_t rc = LZ4F_decompress(ctx, nullptr, &produced, fixed, &consumed, nullptr);
    if (LZ4F_isError(rc) || consumed != header) return CodecError::corrupt;
    p += header;
    n -= header;
  } else if (n == 0) {
    return CodecError::corrupt;
  }
  size_t hint = std::max(n * 4, block);
  for (;;) {
    // With less room than a whole block LZ4F decodes into its own buffer
    // and copies out; keep a block's worth free so it writes in place.
    if (window.room() < block && !window.grow(hint) && window.room() == 0) return CodecError::too_large;
    size_t produced = window.room();
    size_t consumed = n;
    size_t rc = LZ4F_decompress(ctx, window.cursor(), &produced, p, &consumed, nullptr);
    if (LZ4F_isError(rc)) return CodecError::corrupt;
    window.advance(produced);
    p += consumed;
    n -= consumed;
    if (window.over_limit()) return CodecError::too_large;
    if (rc == 0) {
      // Frame complete. Further input must be another whole frame
      // (concatenated frames are valid LZ4); garbage fails to decode.
      if (n == 0) return CodecError::ok;
      continue;
    }
    if (n == 0 && produced == 0) return CodecError::corrupt;  // input ended mid-frame
  }
}

}  // namespace

}  // namespace fjord::protocol::codec
