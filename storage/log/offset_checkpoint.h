#pragma once
// Kafka's per-log-dir offset checkpoint files (recovery-point-offset-checkpoint,
// log-start-offset-checkpoint): "0\n<count>\n<topic> <partition> <offset>\n...".
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "storage/errc.h"

namespace fjord::storage {

using OffsetCheckpoint = std::map<std::pair<std::string, int32_t>, int64_t>;

Errc write_offset_checkpoint(const std::string& path, const OffsetCheckpoint& offsets);
// Missing or malformed file -> empty map (callers fall back to a full scan).
OffsetCheckpoint read_offset_checkpoint(const std::string& path);

}  // namespace fjord::storage
