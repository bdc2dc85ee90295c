#include "payload_stamp.h"

#include <chrono>
#include <cstring>
#include <random>

namespace fjord::bench {
namespace {

constexpr std::uint32_t kMagic = 0x464a4244;  // "FJBD": marks a stamped value
constexpr std::size_t kPoolSpan = 64 * 1024;

void put_u64(std::byte* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
void put_u32(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
std::uint64_t get_u64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}
std::uint32_t get_u32(const unsigned char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

void write_stamp(std::byte* dst, const PayloadStamp& s) {
  put_u64(dst, s.run_nonce);
  put_u64(dst + 8, s.send_ns);
  put_u64(dst + 16, s.sequence);
  put_u32(dst + 24, s.producer);
  put_u32(dst + 28, kMagic);
}

std::optional<PayloadStamp> read_stamp(const void* data, std::size_t len) {
  if (data == nullptr || len < kStampSize) return std::nullopt;
  const auto* p = static_cast<const unsigned char*>(data);
  if (get_u32(p + 28) != kMagic) return std::nullopt;
  PayloadStamp s;
  s.run_nonce = get_u64(p);
  s.send_ns = get_u64(p + 8);
  s.sequence = get_u64(p + 16);
  s.producer = get_u32(p + 24);
  return s;
}

PayloadFiller::PayloadFiller(std::size_t record_size, std::uint64_t seed)
    : record_size_(record_size) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> letter('A', 'Z');
  pool_.resize(kPoolSpan + record_size);
  for (auto& c : pool_) c = static_cast<char>(letter(rng));
}

void PayloadFiller::fill(std::byte* dst, const PayloadStamp& stamp) const {
  write_stamp(dst, stamp);
  // A different slice per record keeps batches from being trivially repetitive.
  const std::size_t shift = (stamp.sequence * 7919) % kPoolSpan;
  std::memcpy(dst + kStampSize, pool_.data() + shift, record_size_ - kStampSize);
}

}  // namespace fjord::bench
