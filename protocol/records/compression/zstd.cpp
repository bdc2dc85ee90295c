// zstd: Kafka's Java client writes frames through a stream, so they carry no
// content size; decompression therefore always streams.
#include <zstd.h>

#include "protocol/records/compression/compression.h"
#include "protocol/records/compression/output_window.h"

namespace fjord::protocol::codec {
namespace {

// A frame's window size decides how much the decoder allocates; 2^25 (32 MiB)
// covers every level below --long while refusing a header that asks for 2 GiB.
constexpr int kMaxWindowLog = 25;

struct Contexts {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_CCtx* c = ZSTD_createCCtx();
  Contexts() {
    if (d) ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, kMaxWindowLog);
  }
  ~Contexts() {
    ZSTD_freeDCtx(d);
    ZSTD_freeCCtx(c);
  }
};
Contexts& contexts() {
  thread_local Contexts ctx;
  return ctx;
}

constexpr int kLevel = 3;  // Kafka's default zstd level

}  // namespace

CodecError zstd_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  ZSTD_CCtx* c = contexts().c;
  if (!c) return CodecError::internal;
  ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, kLevel);
  size_t base = out.size();
  out.resize(base + ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress2(c, out.data() + base, out.size() - base, in.data(), in.size());
  if (ZSTD_isError(n)) { out.resize(base); return CodecError::internal; }
  out.resize(base + n);
  return CodecError::ok;
}

CodecError zstd_decompress(std::span<const uint8_t> in, OutputWindow& window) {
  ZSTD_DCtx* d = contexts().d;
  if (!d) return CodecError::internal;
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  if (in.empty()) return CodecError::corrupt;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t hint = in.size() * 4 < 65536 ? 65536 : in.size() * 4;
  size_t rc = 1;
  for (;;) {
    if (window.room() == 0 && !window.grow(hint)) { window.abandon(); return CodecError::too_large; }
    ZSTD_outBuffer output{window.cursor(), window.room(), 0};
    rc = ZSTD_decompressStream(d, &output, &input);
    if (ZSTD_isError(rc)) { window.abandon(); return CodecError::corrupt; }
    window.advance(output.pos);
    if (window.over_limit()) { window.abandon(); return CodecError::too_large; }
    if (rc == 0 && input.pos == input.size) break;  // last frame complete
    // Input used up mid-frame with the output not full: truncated.
    if (input.pos == input.size && output.pos < output.size) { window.abandon(); return CodecError::corrupt; }
  }
  window.finish();
  return CodecError::ok;
}

}  // namespace fjord::protocol::codec
