#include "protocol/records/batch_recompression.h"

#include <span>

#include "protocol/records/compression/compression.h"
#include "protocol/records/crc32c.h"

namespace fjord::protocol {

BatchError recompress_batches(const uint8_t* data, size_t size, Compression target, std::vector<uint8_t>& scratch,
                              std::vector<uint8_t>& out, size_t max_decompressed) {
  size_t pos = 0;
  while (pos < size) {
    RecordBatchView in;
    if (BatchError e = RecordBatchView::parse(const_cast<uint8_t*>(data + pos), size - pos, &in); e != BatchError::ok)
      return e;
    if (!in.crc_valid()) return BatchError::bad_crc;
    const size_t n = in.total_size();
    if (in.compression() == target || in.control()) {  // control batches are never compressed
      out.insert(out.end(), data + pos, data + pos + n);
      pos += n;
      continue;
    }
    const std::span<const uint8_t> body(in.data() + kBatchHeaderSize, n - kBatchHeaderSize);
    std::span<const uint8_t> records = body;
    if (in.compression() != Compression::none) {
      size_t size = 0;
      if (decompress_into(in.compression(), body, scratch, &size, max_decompressed) != CodecError::ok)
        return BatchError::bad_compression;
      records = std::span<const uint8_t>(scratch.data(), size);
    }
    const size_t start = out.size();
    out.insert(out.end(), in.data(), in.data() + kBatchHeaderSize);
    if (compress(target, records, out) != CodecError::ok) {
      out.resize(start);
      return BatchError::bad_compression;
    }
    uint8_t* b = out.data() + start;
    const size_t total = out.size() - start;
    detail::store_be(b + kBatchLengthOffset, total - kLogOverhead, 4);
    const uint16_t attributes = uint16_t((uint16_t(in.attributes()) & ~uint16_t(0x7)) | uint16_t(target));
    detail::store_be(b + kAttributesOffset, attributes, 2);
    detail::store_be(b + kCrcOffset, crc32c(b + kAttributesOffset, total - kAttributesOffset), 4);
    pos += n;
  }
  return BatchError::ok;
}

}  // namespace fjord::protocol
