#include "protocol/wire/records.h"

#include <algorithm>

#include <cstring>

namespace fjord::protocol {

bool Records::operator==(const Records& o) const {
  if (is_null != o.is_null) return false;
  if (file.fd >= 0 || o.file.fd >= 0)
    return file.fd == o.file.fd && file.position == o.file.position && file.length == o.file.length &&
           file.memory == o.file.memory && more_file.size() == o.more_file.size() &&
           std::equal(more_file.begin(), more_file.end(), o.more_file.begin(), [](const auto& a, const auto& b) {
             return a.fd == b.fd && a.position == b.position && a.length == b.length && a.memory == b.memory;
           });
  return size == o.size && (size == 0 || std::memcmp(data, o.data, size) == 0);
}

}  // namespace fjord::protocol
