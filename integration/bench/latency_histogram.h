#pragma once
// Log-linear latency histogram (about 1% relative precision) with a fixed
// bucket array, so recording a sample never allocates.

#include <array>
#include <cstdint>

namespace fjord::bench {

class LatencyHistogram {
 public:
  void record(std::uint64_t value_ns);
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  double mean() const;
  // Value at percentile p in [0, 100]; 0 when empty.
  std::uint64_t percentile(double p) const;

 private:
  static constexpr int kSubBits = 7;  // 128 linear buckets below 128, then 64 per octave
  static constexpr std::size_t kBuckets = (1u << kSubBits) + (64 - kSubBits) * (1u << (kSubBits - 1));
  static std::size_t bucket_of(std::uint64_t v);
  static std::uint64_t value_of(std::size_t bucket);

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  long double sum_ = 0;
};

}  // namespace fjord::bench
