#include "protocol/records/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define FJORD_CRC32C_X86 1
#endif

namespace fjord::protocol {
namespace {

// All internal work is on the raw (reflected, un-inverted) register; the
// public functions apply the standard ~ before and after.
constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

struct SoftwareTables {
  // Slicing-by-8: t[k][b] is the register after b followed by k zero bytes.
  uint32_t t[8][256];
  SoftwareTables() {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t c = b;
      for (int i = 0; i < 8; ++i) c = (c >> 1) ^ (kPoly & (0u - (c & 1)));
      t[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; ++b)
      for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
};
const SoftwareTables& software_tables() {
  static const SoftwareTables tables;
  return tables;
}

uint32_t raw_software(uint32_t c, const uint8_t* p, size_t n) {
  const auto& t = software_tables().t;
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) { c = (c >> 8) ^ t[0][(c ^ *p++) & 0xff]; --n; }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian hosts: first byte in the low bits
    w ^= c;
    c = t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^ t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
        t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^ t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xff];
  return c;
}

#ifdef FJORD_CRC32C_X86
// "Append `Len` zero bytes" is linear on the register, so it is a 32x32 bit
// matrix; four 256-entry tables apply it a byte of the register at a time.
// That lets three independent crc32 streams (the instruction has 3-cycle
// latency but 1-cycle throughput) be stitched back into one CRC.
template <size_t Len>
struct ShiftOperator {
  uint32_t t[4][256];
  ShiftOperator() {
    const auto& z = software_tables().t[0];
    uint32_t column[32];
    for (int bit = 0; bit < 32; ++bit) {
      uint32_t c = 1u << bit;
      for (size_t i = 0; i < Len; ++i) c = (c >> 8) ^ z[c & 0xff];
      column[bit] = c;
    }
    for (int k = 0; k < 4; ++k)
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t v = 0;
        for (int bit = 0; bit < 8; ++bit)
          if (b & (1u << bit)) v ^= column[k * 8 + bit];
        t[k][b] = v;
      }
  }
  uint32_t operator()(uint32_t c) const {
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
  }
};

constexpr size_t kLongBlock = 8192;
constexpr size_t kShortBlock = 256;

__attribute__((target("sse4.2"))) inline uint64_t load64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Three interleaved streams of Block bytes each, repeated while data lasts.
template <size_t Block>
__attribute__((target("sse4.2"))) uint32_t raw_hardware_3way(uint32_t c, const uint8_t*& p, size_t& n) {
  static const ShiftOperator<Block> shift;
  while (n >= 3 * Block) {
    uint64_t c0 = c, c1 = 0, c2 = 0;
    const uint8_t* p0 = p;
    const uint8_t* p1 = p + Block;
    const uint8_t* p2 = p + 2 * Block;
    for (size_t i = 0; i < Block; i += 8) {
      c0 = _mm_crc32_u64(c0, load64(p0 + i));
      c1 = _mm_crc32_u64(c1, load64(p1 + i));
      c2 = _mm_crc32_u64(c2, load64(p2 + i));
    }
    c = shift(shift(uint32_t(c0)) ^ uint32_t(c1)) ^ uint32_t(c2);
    p += 3 * Block;
    n -= 3 * Block;
  }
  return c;
}

__attribute__((target("sse4.2"))) uint32_t raw_hardware(uint32_t c, const uint8_t* p, size_t n) {
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) { c = _mm_crc32_u8(c, *p++); --n; }
  c = raw_hardware_3way<kLongBlock>(c, p, n);
  c = raw_hardware_3way<kShortBlock>(c, p, n);
  uint64_t c64 = c;
  while (n >= 8) { c64 = _mm_crc32_u64(c64, load64(p)); p += 8; n -= 8; }
  c = uint32_t(c64);
  while (n--) c = _mm_crc32_u8(c, *p++);
  return c;
}
#endif

bool detect_hardware() {
#ifdef FJORD_CRC32C_X86
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

}  // namespace

bool crc32c_hardware_available() {
  static const bool available = detect_hardware();
  return available;
}

uint32_t crc32c_software(const uint8_t* data, size_t size, uint32_t seed) {
  return ~raw_software(~seed, data, size);
}

uint32_t crc32c_hardware(const uint8_t* data, size_t size, uint32_t seed) {
#ifdef FJORD_CRC32C_X86
  return ~raw_hardware(~seed, data, size);
#else
  return crc32c_software(data, size, seed);
#endif
}

uint32_t crc32c(const uint8_t* data, size_t size, uint32_t seed) {
  if (size >= kCrc32cVectorMinBytes && crc32c_vector_available()) return crc32c_vector(data, size, seed);
  return crc32c_hardware_available() ? crc32c_hardware(data, size, seed)
                                     : crc32c_software(data, size, seed);
}

}  // namespace fjord::protocol
