#pragma once
// CRC-32C (Castagnoli), the checksum of magic-2 record batches. Uses
// carry-less multiplication on 512-bit registers (VPCLMULQDQ) for longer
// data and the SSE4.2 crc32 instruction otherwise, as far as the CPU has
// them, and a table without either.
#include <cstddef>
#include <cstdint>

namespace fjord::protocol {

// Standard CRC-32C of data[0..size); `seed` is a previous result to continue
// a running checksum (crc32c(a+b) == crc32c(b, crc32c(a))).
uint32_t crc32c(const uint8_t* data, size_t size, uint32_t seed = 0);

// All implementations, exposed for tests and benchmarks.
uint32_t crc32c_software(const uint8_t* data, size_t size, uint32_t seed = 0);
uint32_t crc32c_hardware(const uint8_t* data, size_t size, uint32_t seed = 0);  // needs SSE4.2
bool crc32c_hardware_available();
// Needs AVX-512F, VPCLMULQDQ and SSE4.2; below kCrc32cVectorMinBytes it is crc32c_hardware.
uint32_t crc32c_vector(const uint8_t* data, size_t size, uint32_t seed = 0);
bool crc32c_vector_available();
inline constexpr size_t kCrc32cVectorMinBytes = 256;

}  // namespace fjord::protocol
