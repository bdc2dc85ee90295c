#pragma once
// Kafka's partition.metadata file: "version: 0\ntopic_id: <base64 uuid>\n".
#include <optional>
#include <string>

#include "protocol/wire/uuid.h"
#include "storage/errc.h"

namespace fjord::storage {

Errc write_partition_metadata(const std::string& partition_dir, const protocol::Uuid& id);
std::optional<protocol::Uuid> read_partition_metadata(const std::string& partition_dir);
// URL-safe base64 without padding (Kafka's Uuid.toString) back to bytes.
std::optional<protocol::Uuid> uuid_from_base64(const std::string& s);
// A random topic id that is not zero and whose text form does not start with '-'.
protocol::Uuid random_topic_id();

}  // namespace fjord::storage
