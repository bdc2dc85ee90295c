#include "storage/log/offset_checkpoint.h"

#include <sstream>

#include "storage/file_ops.h"

namespace fjord::storage {

Errc write_offset_checkpoint(const std::string& path, const OffsetCheckpoint& offsets) {
  std::string text = "0\n" + std::to_string(offsets.size()) + "\n";
  for (auto& [tp, off] : offsets) text += tp.first + " " + std::to_string(tp.second) + " " + std::to_string(off) + "\n";
  return write_file_atomic(path, text);
}

OffsetCheckpoint read_offset_checkpoint(const std::string& path) {
  OffsetCheckpoint out;
  std::string text;
  if (!read_small_file(path, &text)) return out;
  std::istringstream in(text);
  int version = -1;
  size_t count = 0;
  if (!(in >> version) || version != 0 || !(in >> count)) return {};
  for (size_t i = 0; i < count; ++i) {
    std::string topic;
    int32_t p;
    int64_t off;
    if (!(in >> topic >> p >> off)) return {};
    out[{topic, p}] = off;
  }
  return out;
}

}  // namespace fjord::storage
