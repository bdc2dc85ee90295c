#pragma once
// The one-shot way a handler answers its request, possibly later and from
// another thread (group-commit callbacks, fetch wake-ups). The connection
// supplies `complete`, which hops to the connection's own thread. A
// responder dropped without answering closes the connection rather than
// leaving the client waiting forever on a missing response.
#include <functional>
#include <utility>

#include "broker/net/outgoing_response.h"
#include "broker/net/response_queue.h"

namespace fjord::broker {

class Responder {
 public:
  using Complete = std::function<void(SlotOutcome, OutgoingResponse)>;

  Responder() = default;
  explicit Responder(Complete complete) : complete_(std::move(complete)) {}
  Responder(Responder&& o) noexcept : complete_(std::exchange(o.complete_, nullptr)) {}
  Responder& operator=(Responder&& o) noexcept {
    if (this != &o) {
      finish(SlotOutcome::close, {});
      complete_ = std::exchange(o.complete_, nullptr);
    }
    return *this;
  }
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder() { finish(SlotOutcome::close, {}); }

  void respond(OutgoingResponse r) { finish(SlotOutcome::respond, std::move(r)); }
  void silent() { finish(SlotOutcome::silent, {}); }
  void close() { finish(SlotOutcome::close, {}); }
  bool answered() const { return !complete_; }

 private:
  void finish(SlotOutcome o, OutgoingResponse r) {
    if (!complete_) return;
    auto c = std::exchange(complete_, nullptr);
    c(o, std::move(r));
  }
  Complete complete_;
};

}  // namespace fjord::broker
