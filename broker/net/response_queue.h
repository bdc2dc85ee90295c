#pragma once
// Keeps responses in request order on one connection. Every request takes a
// slot when it is dispatched; handlers may fill slots in any order (acks=all
// produce waiting on fsync, parked fetches), but only a prefix of filled
// slots is released for writing. Not thread-safe: used on the connection's
// own thread only.
#include <cstdint>
#include <deque>
#include <optional>

#include "broker/net/outgoing_response.h"

namespace fjord::broker {

enum class SlotOutcome : uint8_t {
  pending,
  respond,  // send `response`
  silent,   // acks=0 produce: nothing goes on the wire
  close,    // the request could not be answered: close after earlier responses
};

class ResponseQueue {
 public:
  // Reserves the next slot and returns its sequence number.
  uint64_t reserve();
  // Fills slot `seq`. Returns false if seq is unknown or already filled.
  bool fill(uint64_t seq, SlotOutcome outcome, OutgoingResponse response = {});

  // Pops the next releasable slot: skips silent ones, returns the response
  // for `respond`, or sets *close for `close`. nullopt when the head is
  // still pending (or the queue is empty).
  std::optional<OutgoingResponse> pop_ready(bool* close);

  size_t pending() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }

 private:
  struct Slot {
    SlotOutcome outcome = SlotOutcome::pending;
    OutgoingResponse response;
  };
  std::deque<Slot> slots_;
  uint64_t head_seq_ = 0;  // sequence number of slots_.front()
};

}  // namespace fjord::broker
