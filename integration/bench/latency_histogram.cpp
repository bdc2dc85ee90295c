#include "latency_histogram.h"

#include <bit>
#include <cmath>

namespace fjord::bench {

std::size_t LatencyHistogram::bucket_of(std::uint64_t v) {
  constexpr std::uint64_t linear = 1u << kSubBits;
  if (v < linear) return static_cast<std::size_t>(v);
  const int msb = 63 - std::countl_zero(v);  // >= kSubBits
  const int shift = msb - (kSubBits - 1);
  const std::uint64_t top = v >> shift;  // in [64, 128)
  return linear + static_cast<std::size_t>(msb - kSubBits) * (linear / 2) +
         static_cast<std::size_t>(top - linear / 2);
}

std::uint64_t LatencyHistogram::value_of(std::size_t bucket) {
  constexpr std::uint64_t linear = 1u << kSubBits;
  if (bucket < linear) return bucket;
  const std::size_t rel = bucket - linear;
  const int msb = static_cast<int>(rel / (linear / 2)) + kSubBits;
  const std::uint64_t top = rel % (linear / 2) + linear / 2;
  const int shift = msb - (kSubBits - 1);
  // Middle of the bucket's range: halves the worst-case error.
  return (top << shift) + ((std::uint64_t{1} << shift) >> 1);
}

void LatencyHistogram::record(std::uint64_t value_ns) {
  ++buckets_[bucket_of(value_ns)];
  ++count_;
  sum_ += value_ns;
  if (value_ns > max_) max_ = value_ns;
  if (value_ns < min_) min_ = value_ns;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.max_ > max_) max_ = other.max_;
  if (other.min_ < min_) min_ = other.min_;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / count_);
}

std::uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  if (rank >= count_) return max_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const std::uint64_t v = value_of(i);
      return v > max_ ? max_ : (v < min_ ? min_ : v);
    }
  }
  return max_;
}

}  // namespace fjord::bench
