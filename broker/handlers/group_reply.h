#pragma once
// Helpers the group handlers share: a copyable "answer with this message"
// function (the coordinator keeps it while a call is parked), and a gather
// for requests that span several coordinator shards.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/coordinator/group_coordinator.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

// Encodes and sends `Message` as the answer to `req`; callable once, from any thread.
template <typename Message>
std::function<void(Message)> reply_with(const Request& req, Responder out) {
  auto shared = std::make_shared<Responder>(std::move(out));
  return [shared, corr = req.header.correlation_id, key = req.api_key, version = req.api_version](Message m) {
    shared->respond(encode_response(corr, key, version, m));
  };
}

// Runs `event` once on the group's coordinator shard, or with the error
// (COORDINATOR_NOT_AVAILABLE when the broker runs no group coordinator).
inline void on_group_shard(BrokerContext& ctx, const std::string& group_id, coordinator::GroupCoordinator::Event event) {
  if (!ctx.groups) return event(nullptr, 15);
  ctx.groups->run(group_id, std::move(event));
}

// Kafka's clientHost: the peer address as InetAddress prints it ("/127.0.0.1").
inline std::string client_host_of(const Request& req) {
  auto colon = req.peer.rfind(':');
  return "/" + (colon == std::string::npos ? req.peer : req.peer.substr(0, colon));
}

// Collects `n` parts filled in from different shards; `done` runs once all are in.
template <typename Part>
class Gather {
 public:
  Gather(size_t n, std::function<void(std::vector<Part>)> done) : parts_(n), left_(n), done_(std::move(done)) {}
  void set(size_t i, Part p) {
    std::unique_lock lock(mu_);
    parts_[i] = std::move(p);
    if (--left_ > 0) return;
    lock.unlock();
    done_(std::move(parts_));
  }

 private:
  std::mutex mu_;
  std::vector<Part> parts_;
  size_t left_;
  std::function<void(std::vector<Part>)> done_;
};

}  // namespace fjord::broker
