#include "protocol/records/compression/compression.h"

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

CodecError decompress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                      size_t max_out, CodecOptions options) {
  switch (codec) {
    case Compression::none:
      if (in.size() > max_out) return CodecError::too_large;
      out.insert(out.end(), in.begin(), in.end());
      return CodecError::ok;
    case Compression::gzip: return codec::gzip_decompress(in, out, max_out);
    case Compression::snappy: return codec::snappy_decompress(in, out, max_out);
    case Compression::lz4: return codec::lz4_decompress(in, out, max_out, options.lz4_header);
    case Compression::zstd: return codec::zstd_decompress(in, out, max_out);
  }
  return CodecError::unsupported;
}

}  // namespace fjord::protocol
