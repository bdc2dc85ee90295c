#include "broker/net/response_queue.h"

namespace fjord::broker {

uint64_t ResponseQueue::reserve() {
  slots_.emplace_back();
  return head_seq_ + slots_.size() - 1;
}

bool ResponseQueue::fill(uint64_t seq, SlotOutcome outcome, OutgoingResponse response) {
  if (seq < head_seq_ || seq - head_seq_ >= slots_.size() || outcome == SlotOutcome::pending) return false;
  Slot& s = slots_[seq - head_seq_];
  if (s.outcome != SlotOutcome::pending) return false;
  s.outcome = outcome;
  s.response = std::move(response);
  return true;
}

std::optional<OutgoingResponse> ResponseQueue::pop_ready(bool* close) {
  *close = false;
  while (!slots_.empty()) {
    Slot& s = slots_.front();
    switch (s.outcome) {
      case SlotOutcome::pending:
        return std::nullopt;
      case SlotOutcome::silent:
        slots_.pop_front();
        ++head_seq_;
        continue;
      case SlotOutcome::close:
        *close = true;
        return std::nullopt;
      case SlotOutcome::respond: {
        OutgoingResponse r = std::move(s.response);
        slots_.pop_front();
        ++head_seq_;
        return r;
      }
    }
  }
  return std::nullopt;
}

}  // namespace fjord::broker
