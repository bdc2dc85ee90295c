#pragma once
// Compaction's key map with a fixed memory budget (Kafka's SkimpyOffsetMap):
// MD5 of the key -> latest offset, open addressing, filled to 90% at most.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace fjord::storage {

class OffsetMap {
 public:
  using Hash = std::array<uint8_t, 16>;
  explicit OffsetMap(size_t budget_bytes);

  static Hash hash_key(std::string_view key);
  // Records `offset` as the latest for `h`; false when the map is full.
  bool put(const Hash& h, int64_t offset);
  // Latest offset for `h`, or -1.
  int64_t get(const Hash& h) const;
  bool full() const { return size_ >= max_entries_; }
  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }
  void clear();

 private:
  struct Slot {
    Hash hash{};
    int64_t offset = -1;  // -1 = empty
  };
  size_t index_of(const Hash& h) const;

  std::vector<Slot> slots_;
  size_t size_ = 0;
  size_t max_entries_ = 0;
};

}  // namespace fjord::storage
