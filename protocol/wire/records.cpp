#include "protocol/wire/records.h"

#include <cstring>

namespace fjord::protocol {

bool Records::operator==(const Records& o) const {
  if (is_null != o.is_null) return false;
  if (file.fd >= 0 || o.file.fd >= 0)
    return file.fd == o.file.fd && file.position == o.file.position && file.length == o.file.length &&
           file.memory == o.file.memory;
  return size == o.size && (size == 0 || std::memcmp(data, o.data, size) == 0);
}

}  // namespace fjord::protocol
