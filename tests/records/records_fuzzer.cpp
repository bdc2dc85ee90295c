// libFuzzer target for everything that reads record data off the wire. The
// first byte picks the entry point: 0 magic-2 batch (its CRC and length are
// fixed up so mutations reach the record framing), 1 legacy message set,
// 2 raw codec input, 3 down-conversion; case 0 also recompresses the batch
// (a topic's compression.type). Outputs are bounded to 1 MiB.
#include <cstring>
#include <vector>

#include "batch_test_helpers.h"
#include "protocol/records/batch_recompression.h"
#include "protocol/records/batch_validation.h"
#include "protocol/records/compression/compression.h"
#include "protocol/records/crc32c.h"
#include "protocol/records/legacy_message_set.h"

using namespace fjord::protocol;


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::vector<uint8_t> buf(data + 1, data + size), scratch, out;
  switch (data[0] % 4) {
    case 0: {
      if (buf.size() >= kBatchHeaderSize) {
        buf[kMagicOffset] = 2;
        detail::store_be(buf.data() + kBatchLengthOffset, uint32_t(buf.size() - kLogOverhead), 4);
        testing::fix_crc(buf);
      }
      RecordBatchView view;
      if (RecordBatchView::parse(buf.data(), buf.size(), &view) != BatchError::ok) return 0;
      ValidateOptions options;
      options.max_decompressed = 1 << 20;
      validate(view, scratch, options);
      volatile size_t sink = testing::touch_records(view, scratch, 1 << 20);
      (void)sink;
      down_convert_to_legacy(buf.data(), buf.size(), 1, scratch, out, 1 << 20);
      out.clear();
      if (recompress_batches(buf.data(), buf.size(), Compression(buf[kAttributesOffset + 1] % 5), scratch, out,
                             1 << 20) == BatchError::ok) {
        RecordBatchView again;
        if (RecordBatchView::parse(out.data(), out.size(), &again) != BatchError::ok || !again.crc_valid())
          __builtin_trap();  // recompression must produce a well-formed batch
      }
      break;
    }
    case 1:
      validate_legacy_message_set(buf.data(), buf.size(), scratch, 1 << 20);
      up_convert_legacy(buf.data(), buf.size(), Compression::lz4, scratch, out, 1 << 20);
      break;
    case 2: {
      CodecOptions options;
      if (buf[0] & 0x80) options.lz4_header = Lz4HeaderChecksum::kafka_3160_broken;
      decompress(Compression(buf[0] % 5), std::span<const uint8_t>(buf.data() + 1, buf.size() - 1), out, 1 << 20,
                 options);
      break;
    }
    case 3:
      down_convert_to_legacy(buf.data(), buf.size(), int8_t(buf[0] & 1), scratch, out, 1 << 20);
      break;
  }
  return 0;
}
