#include "protocol/records/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

namespace fjord::protocol {
namespace {

uint32_t crc_of(std::string_view s, uint32_t (*fn)(const uint8_t*, size_t, uint32_t)) {
  return fn(reinterpret_cast<const uint8_t*>(s.data()), s.size(), 0);
}

TEST(Crc32c, KnownVectors) {
  for (auto fn : {&crc32c, &crc32c_software, &crc32c_hardware, &crc32c_vector}) {
    if (fn == &crc32c_hardware && !crc32c_hardware_available()) continue;
    if (fn == &crc32c_vector && !crc32c_vector_available()) continue;
    EXPECT_EQ(crc_of("123456789", fn), 0xE3069283u);
    EXPECT_EQ(crc_of("", fn), 0u);
    EXPECT_EQ(crc_of("a", fn), 0xC1D04330u);
    // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, of 0xFF, and ascending.
    std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF), asc(32);
    for (int i = 0; i < 32; ++i) asc[i] = uint8_t(i);
    EXPECT_EQ(fn(zeros.data(), 32, 0), 0x8A9136AAu);
    EXPECT_EQ(fn(ones.data(), 32, 0), 0x62A8AB43u);
    EXPECT_EQ(fn(asc.data(), 32, 0), 0x46DD794Eu);
  }
}

TEST(Crc32c, HardwareMatchesSoftwareOnRandomData) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2";
  std::mt19937_64 rng(42);
  std::vector<uint8_t> data(200000);
  for (auto& b : data) b = uint8_t(rng());
  // Sizes around the 3-way block boundaries (3*256, 3*8192) and odd alignments.
  for (size_t size : {0, 1, 7, 8, 9, 63, 255, 767, 768, 769, 1000, 24575, 24576, 24577, 50000, 199990}) {
    for (size_t align : {0, 1, 3, 7}) {
      ASSERT_EQ(crc32c_hardware(data.data() + align, size, 0), crc32c_software(data.data() + align, size, 0))
          << "size " << size << " align " << align;
    }
  }
}

TEST(Crc32c, VectorMatchesSoftwareOnRandomData) {
  if (!crc32c_vector_available()) GTEST_SKIP() << "no AVX-512 VPCLMULQDQ";
  std::mt19937_64 rng(43);
  std::vector<uint8_t> data(300000);
  for (auto& b : data) b = uint8_t(rng());
  // Every size over the first kilobytes (each remainder of the 256-, 64-,
  // 16- and 8-byte steps), then sizes around larger multiples, at odd
  // alignments and with seeds, so a wrong fold constant cannot hide.
  std::vector<size_t> sizes;
  for (size_t s = 0; s <= 2100; ++s) sizes.push_back(s);
  for (size_t s : {4095, 4096, 4097, 65535, 65536, 65600, 299990}) sizes.push_back(s);
  for (size_t size : sizes) {
    for (size_t align : {0, 1, 5}) {
      const uint32_t seed = uint32_t(size * 2654435761u);
      ASSERT_EQ(crc32c_vector(data.data() + align, size, seed), crc32c_software(data.data() + align, size, seed))
          << "size " << size << " align " << align;
    }
  }
}

TEST(Crc32c, VectorFindsEveryBitFlip) {
  if (!crc32c_vector_available()) GTEST_SKIP() << "no AVX-512 VPCLMULQDQ";
  std::vector<uint8_t> data(1000, 0xA5);
  const uint32_t clean = crc32c_vector(data.data(), data.size());
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    data[bit / 8] ^= uint8_t(1u << (bit % 8));
    ASSERT_NE(crc32c_vector(data.data(), data.size()), clean) << "bit " << bit;
    data[bit / 8] ^= uint8_t(1u << (bit % 8));
  }
}

TEST(Crc32c, SeedContinuesRunningChecksum) {
  std::vector<uint8_t> data(100000);
  std::mt19937 rng(7);
  for (auto& b : data) b = uint8_t(rng());
  uint32_t whole = crc32c(data.data(), data.size());
  for (size_t split : {0, 1, 5000, 30000, 99999}) {
    uint32_t first = crc32c(data.data(), split);
    EXPECT_EQ(crc32c(data.data() + split, data.size() - split, first), whole);
    EXPECT_EQ(crc32c_software(data.data() + split, data.size() - split, first), whole);
  }
}

TEST(Crc32c, DetectsSingleBitFlip) {
  std::vector<uint8_t> data(30000, 0x5A);
  uint32_t before = crc32c(data.data(), data.size());
  data[12345] ^= 0x10;
  EXPECT_NE(crc32c(data.data(), data.size()), before);
}

}  // namespace
}  // namespace fjord::protocol
