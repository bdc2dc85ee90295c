#include "broker/coordinator/producer_id_manager.h"

#include <spdlog/spdlog.h>

namespace fjord::broker::coordinator {

bool ProducerIdManager::generate(int64_t* producer_id) {
  std::lock_guard lk(mu_);
  if (next_ > block_end_) {
    ProducerIdBlock block;
    std::string error;
    if (!store_->claim_next_block(broker_id_, block_size_, &block, &error)) {
      spdlog::error("cannot claim a producer id block: {}", error);
      return false;
    }
    next_ = block.first;
    block_end_ = block.last();
    spdlog::info("claimed producer id block {}-{}", block.first, block.last());
  }
  *producer_id = next_++;
  return true;
}

}  // namespace fjord::broker::coordinator
