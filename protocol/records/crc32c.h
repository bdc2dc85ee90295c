#pragma once
// CRC-32C (Castagnoli), the checksum of magic-2 record batches. Uses the
// SSE4.2 crc32 instruction when the CPU has it, a table otherwise.
#include <cstddef>
#include <cstdint>

namespace fjord::protocol {

// Standard CRC-32C of data[0..size); `seed` is a previous result to continue
// a running checksum (crc32c(a+b) == crc32c(b, crc32c(a))).
uint32_t crc32c(const uint8_t* data, size_t size, uint32_t seed = 0);

// Both implementations, exposed for tests and benchmarks.
uint32_t crc32c_software(const uint8_t* data, size_t size, uint32_t seed = 0);
uint32_t crc32c_hardware(const uint8_t* data, size_t size, uint32_t seed = 0);  // needs SSE4.2
bool crc32c_hardware_available();

}  // namespace fjord::protocol
