#include "storage/errc.h"

namespace fjord::storage {

const char* to_string(Errc e) {
  switch (e) {
    case Errc::ok: return "ok";
    case Errc::offset_out_of_range: return "offset out of range";
    case Errc::corrupt_message: return "corrupt message";
    case Errc::message_too_large: return "message too large";
    case Errc::record_list_too_large: return "record list too large";
    case Errc::invalid_config: return "invalid config";
    case Errc::topic_exists: return "topic already exists";
    case Errc::unknown_topic: return "unknown topic";
    case Errc::io_error: return "I/O error";
    case Errc::invalid_partitions: return "invalid partitions";
    case Errc::invalid_topic: return "invalid topic name";
    case Errc::invalid_replication_factor: return "invalid replication factor";
    case Errc::not_enough_space: return "not enough space";
    case Errc::shutting_down: return "shutting down";
    case Errc::invalid_request: return "invalid request";
    case Errc::not_cached: return "not in the page cache";
    case Errc::invalid_timestamp: return "timestamp out of range";
    case Errc::out_of_order_sequence: return "out of order sequence number";
    case Errc::invalid_producer_epoch: return "invalid producer epoch";
    case Errc::invalid_txn_state: return "invalid transaction state";
    case Errc::transaction_coordinator_fenced: return "transaction coordinator fenced";
  }
  return "unknown error";
}

}  // namespace fjord::storage
