#pragma once
// Hands out producer ids (InitProducerId, and the transaction coordinator
// for new transactional ids) from blocks of 1000 claimed through a
// ProducerIdBlockStore, as Kafka's ZkProducerIdManager does. Thread-safe.
// Only the call that exhausts a block waits for the store (one fsync per
// 1000 ids); InitProducerId runs on the admin thread for that reason.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "broker/coordinator/producer_id_block_store.h"

namespace fjord::broker::coordinator {

class ProducerIdManager {
 public:
  static constexpr int64_t kBlockSize = 1000;  // Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE

  ProducerIdManager(int32_t broker_id, std::unique_ptr<ProducerIdBlockStore> store, int64_t block_size = kBlockSize)
      : broker_id_(broker_id), store_(std::move(store)), block_size_(block_size) {}

  // The next unused id; false when a new block could not be claimed (the
  // error is logged; InitProducerId answers UNKNOWN_SERVER_ERROR as Kafka's
  // ZooKeeper mode does on a failed claim).
  bool generate(int64_t* producer_id);

 private:
  const int32_t broker_id_;
  std::unique_ptr<ProducerIdBlockStore> store_;
  const int64_t block_size_;
  std::mutex mu_;
  int64_t next_ = 0;
  int64_t block_end_ = -1;  // last id of the current block; next_ > block_end_: claim another
};

}  // namespace fjord::broker::coordinator
