#pragma once
// Re-encodes magic-2 batches with another codec, for a topic whose
// compression.type names one (Kafka recompresses what producers send when
// the topic's codec differs from theirs; "producer" keeps it as sent). Only
// the records section changes: its bytes are the same in every codec, so
// nothing is parsed per record. Every header field but the codec bits, the
// batch length and the CRC is kept (offsets, timestamps, producer id, epoch
// and sequence, transactional flag).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/records/record_batch.h"
#include "protocol/records/record_reader.h"

namespace fjord::protocol {

// Appends to `out` each batch of data[0..size) in `target`; a batch already
// in it is copied as is. Checks each input batch's CRC first, so a corrupt
// batch never gets a fresh valid one. `scratch` holds the decompressed
// records between calls (reused, so steady use does not allocate).
BatchError recompress_batches(const uint8_t* data, size_t size, Compression target, std::vector<uint8_t>& scratch,
                              std::vector<uint8_t>& out, size_t max_decompressed = kDefaultMaxDecompressedBytes);

}  // namespace fjord::protocol
