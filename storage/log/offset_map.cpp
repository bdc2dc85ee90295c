#include "storage/log/offset_map.h"

#include <openssl/evp.h>

#include <cstring>

namespace fjord::storage {

OffsetMap::OffsetMap(size_t budget_bytes) {
  size_t n = budget_bytes / sizeof(Slot);
  if (n < 16) n = 16;
  slots_.resize(n);
  max_entries_ = n * 9 / 10;
}

OffsetMap::Hash OffsetMap::hash_key(std::string_view key) {
  Hash h{};
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), h.data(), &len, EVP_md5(), nullptr);
  return h;
}

size_t OffsetMap::index_of(const Hash& h) const {
  uint64_t v;
  std::memcpy(&v, h.data(), sizeof v);
  size_t i = size_t(v % slots_.size());
  while (slots_[i].offset >= 0 && slots_[i].hash != h) i = (i + 1) % slots_.size();
  return i;
}

bool OffsetMap::put(const Hash& h, int64_t offset) {
  size_t i = index_of(h);
  if (slots_[i].offset < 0) {
    if (full()) return false;
    slots_[i].hash = h;
    ++size_;
  }
  slots_[i].offset = offset;
  return true;
}

int64_t OffsetMap::get(const Hash& h) const { return slots_[index_of(h)].offset; }

void OffsetMap::clear() {
  for (auto& s : slots_) s.offset = -1;
  size_ = 0;
}

}  // namespace fjord::storage
