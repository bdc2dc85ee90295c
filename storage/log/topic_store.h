#pragma once
// Persists what Kafka keeps in its metadata log for each topic: id,
// partition count and config overrides, one properties file per topic in
// <log dir>/fjord-topics/<topic>.properties, written atomically.
#include <map>
#include <string>
#include <vector>

#include "protocol/wire/uuid.h"
#include "storage/errc.h"

namespace fjord::storage {

struct StoredTopic {
  std::string name;
  protocol::Uuid id;
  int32_t partitions = 0;
  std::map<std::string, std::string> overrides;
};

// Kafka's rules for topic names; when broken, *why gets Kafka's message.
bool valid_topic_name(const std::string& name, std::string* why);

std::string topic_store_dir(const std::string& log_dir);
Errc save_topic(const std::string& log_dir, const StoredTopic& t);
Errc remove_topic(const std::string& log_dir, const std::string& name);
// Every readable topic file; unreadable ones are logged and skipped.
std::vector<StoredTopic> load_topics(const std::string& log_dir);

}  // namespace fjord::storage
