#include "protocol/records/compression/compression.h"

#include <algorithm>

#include "protocol/records/compression/output_window.h"

namespace fjord::protocol {

const char* to_string(CodecError e) {
  switch (e) {
    case CodecError::ok: return "ok";
    case CodecError::unsupported: return "unsupported compression codec";
    case CodecError::corrupt: return "compressed data is corrupt";
    case CodecError::too_large: return "decompressed data exceeds the limit";
    case CodecError::internal: return "compression library failure";
  }
  return "unknown codec error";
}

CodecError compress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                    CodecOptions options) {
  switch (codec) {
    case Compression::none: out.insert(out.end(), in.begin(), in.end()); return CodecError::ok;
    case Compression::gzip: return codec::gzip_compress(in, out);
    case Compression::snappy: return codec::snappy_compress(in, out);
    case Compression::lz4: return codec::lz4_compress(in, out, options.lz4_header);
    case Compression::zstd: return codec::zstd_compress(in, out);
  }
  return CodecError::unsupported;
}

namespace {

CodecError decompress_through(Compression codec, std::span<const uint8_t> in, codec::OutputWindow& window,
                              size_t max_out, CodecOptions options) {
  switch (codec) {
    case Compression::none: {
      if (in.size() > max_out) return CodecError::too_large;
      if (!in.empty() && !window.grow(in.size())) return CodecError::too_large;
      std::copy(in.begin(), in.end(), window.cursor());
      window.advance(in.size());
      window.finish();
      return CodecError::ok;
    }
    case Compression::gzip: return codec::gzip_decompress(in, window);
    case Compression::snappy: return codec::snappy_decompress(in, window);
    case Compression::lz4: return codec::lz4_decompress(in, window, options.lz4_header);
    case Compression::zstd: return codec::zstd_decompress(in, window);
  }
  return CodecError::unsupported;
}

}  // namespace

CodecError decompress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                      size_t max_out, CodecOptions options) {
  codec::OutputWindow window(out, max_out);
  return decompress_through(codec, in, window, max_out, options);
}

CodecError decompress_into(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& buffer,
                           size_t* size, size_t max_out, CodecOptions options) {
  codec::OutputWindow window(buffer, max_out, codec::OutputWindow::Mode::reuse);
  CodecError e = decompress_through(codec, in, window, max_out, options);
  *size = window.produced();
  return e;
}

}  // namespace fjord::protocol
