#pragma once
// XXH32 (the hash the LZ4 frame format uses for its header checksum); only
// needed to read and write Kafka's pre-KAFKA-3160 LZ4 frame headers.
#include <cstddef>
#include <cstdint>

namespace fjord::protocol::codec {

uint32_t xxhash32(const uint8_t* data, size_t size, uint32_t seed);

}  // namespace fjord::protocol::codec
