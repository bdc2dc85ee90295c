// gzip via zlib: Kafka writes a gzip header (GZIPOutputStream) and reads
// concatenated gzip members (GZIPInputStream).
#include <zlib.h>

#include "protocol/records/compression/compression.h"
#include "protocol/records/compression/output_window.h"

namespace fjord::protocol::codec {
namespace {

constexpr int kGzipWindowBits = 16 + MAX_WBITS;  // 16+: gzip wrapper only

// zlib state is ~300 KiB for deflate and ~40 KiB for inflate; keep one per
// thread instead of allocating per batch.
struct Inflater {
  z_stream zs{};
  bool ready = false;
  Inflater() { ready = inflateInit2(&zs, kGzipWindowBits) == Z_OK; }
  ~Inflater() { if (ready) inflateEnd(&zs); }
};
struct Deflater {
  z_stream zs{};
  bool ready = false;
  Deflater() {
    ready = deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                         Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Deflater() { if (ready) deflateEnd(&zs); }
};

}  // namespace

CodecError gzip_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  thread_local Deflater d;
  if (!d.ready || deflateReset(&d.zs) != Z_OK) return CodecError::internal;
  size_t base = out.size();
  out.resize(base + deflateBound(&d.zs, uLong(in.size())));
  d.zs.next_in = const_cast<Bytef*>(in.data());
  d.zs.avail_in = uInt(in.size());
  d.zs.next_out = out.data() + base;
  d.zs.avail_out = uInt(out.size() - base);
  int rc = deflate(&d.zs, Z_FINISH);
  if (rc != Z_STREAM_END) { out.resize(base); return CodecError::internal; }
  out.resize(base + d.zs.total_out);
  return CodecError::ok;
}

CodecError gzip_decompress(std::span<const uint8_t> in, OutputWindow& window) {
  thread_local Inflater inf;
  if (!inf.ready || inflateReset(&inf.zs) != Z_OK) return CodecError::internal;
  z_stream& zs = inf.zs;
  if (in.empty()) return CodecError::corrupt;
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = uInt(in.size());
    size_t hint = in.size() * 4 < 4096 ? 4096 : in.size() * 4;
  for (;;) {
    if (window.room() == 0 && !window.grow(hint)) { window.abandon(); return CodecError::too_large; }
    zs.next_out = window.cursor();
    zs.avail_out = uInt(window.room() > UINT32_MAX ? UINT32_MAX : window.room());
    uInt before = zs.avail_out;
    int rc = inflate(&zs, Z_NO_FLUSH);
    window.advance(before - zs.avail_out);
    if (window.over_limit()) { window.abandon(); return CodecError::too_large; }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows.
      if (inflateReset(&zs) != Z_OK) { window.abandon(); return CodecError::internal; }
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_out != 0) { window.abandon(); return CodecError::corrupt; }  // input ended early
    if (rc != Z_OK && rc != Z_BUF_ERROR) { window.abandon(); return CodecError::corrupt; }
  }
  window.finish();
  return CodecError::ok;
}

}  // namespace fjord::protocol::codec
