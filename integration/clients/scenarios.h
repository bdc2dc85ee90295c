// The librdkafka scenarios run by rdkafka_client against a live fjord.
#pragma once

#include <string>

namespace fjord_it {

// CreateTopics / DeleteTopics through the admin API, checked against Metadata.
void admin_topics(const std::string& bootstrap);

// Produce with the given compression.codec and consume back (assign, no group): byte equality.
void codec_roundtrip(const std::string& bootstrap, const std::string& codec);

// AlterConfigs/DescribeConfigs/CreatePartitions/DeleteRecords and their effects.
void admin_configs(const std::string& bootstrap);

// ListOffsets by timestamp (rd_kafka_offsets_for_times) and watermarks.
void offsets_for_times(const std::string& bootstrap);

}  // namespace fjord_it
