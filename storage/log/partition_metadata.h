#pragma once
// Kafka's partition.metadata file: "version: 0\ntopic_id: <base64 uuid>\n".
#include <optional>
#include <string>

#include "protocol/wire/uuid.h"
#include "storage/errc.h"

namespace fjord::storage {

// Replaces the file atomically (tmp, fsync, rename, fsync dir) unless it
// already holds exactly this id.
Errc write_partition_metadata(const std::string& partition_dir, const protocol::Uuid& id);
// For a directory that was just created: writes the file in place without any
// fsync. The caller fsyncs the directory (PartitionLog::open does when it
// creates the first segment). Safe because the topic id's durable copy is the
// topic store: if a crash loses or tears this file, the next open rewrites it
// with write_partition_metadata. Saves two fsyncs per new partition.
Errc write_new_partition_metadata(const std::string& partition_dir, const protocol::Uuid& id);
std::optional<protocol::Uuid> read_partition_metadata(const std::string& partition_dir);
// URL-safe base64 without padding (Kafka's Uuid.toString) back to bytes.
std::optional<protocol::Uuid> uuid_from_base64(const std::string& s);
// A random topic id that is not zero and whose text form does not start with '-'.
protocol::Uuid random_topic_id();

}  // namespace fjord::storage
