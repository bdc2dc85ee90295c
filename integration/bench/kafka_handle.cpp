#include "kafka_handle.h"

namespace fjord::bench {

KafkaConfig& KafkaConfig::set(const std::string& key, const std::string& value) {
  char err[512];
  if (error_.empty() &&
      rd_kafka_conf_set(conf_, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    error_ = key + "=" + value + ": " + err;
  return *this;
}

KafkaPtr KafkaConfig::create(rd_kafka_type_t type, std::string& error) {
  if (!error_.empty()) {
    error = error_;
    return nullptr;
  }
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf_, err, sizeof err);
  if (rk == nullptr) {
    error = std::string("rd_kafka_new: ") + err;
    return nullptr;
  }
  conf_ = nullptr;  // owned by rk now
  return KafkaPtr(rk);
}

}  // namespace fjord::bench
