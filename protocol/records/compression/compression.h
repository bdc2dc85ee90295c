#pragma once
// Kafka's compression codecs through the system libraries. Both directions
// append to `out` (the caller clears and reuses it, so steady-state use does
// not allocate). Decompression is bounded: it fails with too_large rather
// than produce more than `max_out` bytes, so a zip bomb cannot exhaust memory.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/records/record_batch.h"

namespace fjord::protocol {

enum class CodecError : int8_t {
  ok = 0,
  unsupported,  // codec id unknown (or none where a codec is required)
  corrupt,      // input does not decompress
  too_large,    // output would exceed the caller's limit
  internal,     // the library failed for a reason unrelated to the input
};
const char* to_string(CodecError e);

// Kafka's LZ4 framing before KAFKA-3160 (magic 0 messages) computed the frame
// header checksum over the magic number too; magic >= 1 uses the standard one.
enum class Lz4HeaderChecksum : int8_t { standard, kafka_3160_broken };

struct CodecOptions {
  Lz4HeaderChecksum lz4_header = Lz4HeaderChecksum::standard;
};

// Compression::none copies. gzip writes a gzip header, snappy uses the xerial
// framing Kafka's Java client writes, lz4 a standard LZ4 frame (64 KiB
// independent blocks, as Kafka), zstd a single frame.
CodecError compress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                    CodecOptions options = {});

// Accepts what any Kafka client writes: gzip (concatenated members too),
// snappy xerial-framed or raw, any LZ4 frame, zstd frames with or without a
// content size.
CodecError decompress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                      size_t max_out, CodecOptions options = {});
// The same, written from the start of `buffer`, which grows when needed but
// never shrinks: a buffer reused for every batch is neither reallocated nor
// zero-filled again. *size gets the decompressed length; bytes beyond it
// are left over from before.
CodecError decompress_into(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& buffer,
                           size_t* size, size_t max_out, CodecOptions options = {});

namespace codec {
// One implementation file each; the dispatch above calls these.
CodecError gzip_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out);
class OutputWindow;
CodecError gzip_decompress(std::span<const uint8_t> in, OutputWindow& window);
CodecError snappy_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out);
CodecError snappy_decompress(std::span<const uint8_t> in, OutputWindow& window);
CodecError lz4_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, Lz4HeaderChecksum hc);
CodecError lz4_decompress(std::span<const uint8_t> in, OutputWindow& window, Lz4HeaderChecksum hc);
CodecError zstd_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out);
CodecError zstd_decompress(std::span<const uint8_t> in, OutputWindow& window);
}  // namespace codec

}  // namespace fjord::protocol
