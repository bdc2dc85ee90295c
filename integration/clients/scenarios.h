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

// The C API alone: rd_kafka_CreateTopics, rd_kafka_producev with headers, a subscribed
// consumer committing with rd_kafka_commit_message, a second one resuming at the commits.
void c_api_flow(const std::string& bootstrap);

// Two KafkaConsumers in a group: rebalance, commits across it, hand-over, resume.
void group_consume(const std::string& bootstrap);

// A 1 MiB message produced and read back.
void large_message(const std::string& bootstrap);

// enable.idempotence=true: every record once, in order.
void idempotent_produce(const std::string& bootstrap);

// A committed and an aborted transaction; read_committed sees only the first.
void transactional_produce(const std::string& bootstrap);

}  // namespace fjord_it
