// Shared pieces of the librdkafka integration client: configuration, failure reporting
// and the C admin-API plumbing. This is a test program: failures throw and main() reports.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fjord_it {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void expect(bool condition, const std::string& message) {
  if (!condition) throw Failure(message);
}

using Settings = std::vector<std::pair<std::string, std::string>>;

// A global config with bootstrap.servers set, plus the given overrides.
std::unique_ptr<RdKafka::Conf> make_conf(const std::string& bootstrap, const Settings& settings);

std::unique_ptr<RdKafka::Producer> make_producer(const std::string& bootstrap,
                                                 const Settings& settings,
                                                 RdKafka::DeliveryReportCb* reports);

// Admin API (librdkafka's C API on the producer's handle). Return the per-topic error.
RdKafka::ErrorCode create_topic(RdKafka::Handle& handle, const std::string& name, int partitions);
RdKafka::ErrorCode delete_topic(RdKafka::Handle& handle, const std::string& name);

// Partition count of a topic in an all-topics Metadata response (all-topics requests never
// auto-create), or -1 when the topic is absent.
int partition_count(RdKafka::Handle& handle, const std::string& topic);

// Polls Metadata until the topic has the given partition count (-1: until it is gone).
void await_partition_count(RdKafka::Handle& handle, const std::string& topic, int expected,
                           std::chrono::milliseconds timeout);

}  // namespace fjord_it
