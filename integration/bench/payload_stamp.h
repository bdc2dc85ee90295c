#pragma once
// The first 32 bytes of every benchmark record value: who sent it and when,
// so the consumer can measure end-to-end latency and spot strays.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace fjord::bench {

struct PayloadStamp {
  std::uint64_t run_nonce = 0;  // distinguishes this run's records from older ones
  std::uint64_t send_ns = 0;    // steady_clock at the produce call
  std::uint64_t sequence = 0;   // per producer
  std::uint32_t producer = 0;
};

inline constexpr std::size_t kStampSize = 32;

void write_stamp(std::byte* dst, const PayloadStamp& stamp);
std::optional<PayloadStamp> read_stamp(const void* data, std::size_t len);

std::uint64_t now_ns();

// Filler after the stamp: random capital letters (as Kafka's
// producer-perf-test uses) so lz4 sees realistic, not zero, data.
class PayloadFiller {
 public:
  explicit PayloadFiller(std::size_t record_size, std::uint64_t seed);
  // Writes stamp + filler for record `sequence` into dst (record_size bytes).
  void fill(std::byte* dst, const PayloadStamp& stamp) const;
  std::size_t record_size() const { return record_size_; }

 private:
  std::size_t record_size_;
  std::string pool_;  // 64 KiB + record_size of letters; each record takes a shifted slice
};

}  // namespace fjord::bench
