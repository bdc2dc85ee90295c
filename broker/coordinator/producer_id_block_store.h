#pragma once
// Where allocated producer id blocks are recorded, so that no id is handed
// out twice, across restarts too. Kafka's ZooKeeper mode keeps the latest
// block in /latest_producer_id_block (JSON: version, broker, block_start,
// block_end) and claims the next one with a conditional write; this
// interface is that claim, so a ZooKeeper store can replace the file one.
#include <cstdint>
#include <string>

namespace fjord::broker::coordinator {

struct ProducerIdBlock {
  int32_t assigned_broker = -1;
  int64_t first = 0;   // block_start
  int64_t size = 0;
  int64_t last() const { return first + size - 1; }  // block_end
};

class ProducerIdBlockStore {
 public:
  virtual ~ProducerIdBlockStore() = default;
  // Claims the block after the latest one recorded (the first block starts
  // at 0) for `broker_id`, durably before returning. False, with *error
  // saying why, when it cannot be recorded (the ids must then not be used).
  virtual bool claim_next_block(int32_t broker_id, int64_t size, ProducerIdBlock* out, std::string* error) = 0;
};

// The latest block as the JSON of Kafka's ZooKeeper node, in one file
// (written to a temporary, fsynced, renamed over, directory fsynced).
class FileProducerIdBlockStore : public ProducerIdBlockStore {
 public:
  explicit FileProducerIdBlockStore(std::string path) : path_(std::move(path)) {}
  bool claim_next_block(int32_t broker_id, int64_t size, ProducerIdBlock* out, std::string* error) override;

  // Kafka's ProducerIdBlockZNode JSON, version 1.
  static std::string to_json(const ProducerIdBlock& block);
  static bool parse_json(const std::string& text, ProducerIdBlock* out);
  // The file in a log dir.
  static constexpr const char* kFileName = "fjord-producer-id-block.json";

 private:
  std::string path_;
};

}  // namespace fjord::broker::coordinator
