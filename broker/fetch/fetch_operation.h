#pragma once
// One Fetch request from first read to response. If not enough data is
// available it parks: it registers with PartitionWaiters (woken by Produce)
// and arms a max_wait_ms deadline, re-reading only when woken. All reads
// and the response happen on the connection's thread, and never wait for
// the disk there: log bytes not in memory are first read in by the
// PageCacheLoader, and the request is read again once they are.
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <vector>

#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/fetch/fetch_session_cache.h"
#include "broker/fetch/partition_waiters.h"
#include "broker/handlers/broker_context.h"
#include "protocol/wire/uuid.h"

namespace fjord::broker {

struct FetchLimits {
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = INT32_MAX;
  // isolation_level 1 (v4+): nothing past the last stable offset, and the
  // aborted transactions overlapping what is returned.
  bool read_committed = false;
};

// A partition the request named that cannot be read at all (unknown topic
// id); reported as-is and never part of a session.
struct FetchFailure {
  protocol::Uuid topic_id;
  std::string topic;
  int32_t partition = 0;
  int16_t error = 0;
};

class FetchOperation : public FetchWaiter, public std::enable_shared_from_this<FetchOperation> {
 public:
  FetchOperation(BrokerContext& ctx, Request req, Responder out, FetchLimits limits, FetchContext session,
                 std::vector<FetchFailure> failures);

  void start();
  void wake() override;

 private:
  struct Result;
  void attempt(bool deadline_passed);
  // Has `loads` read into the page cache, then attempts again.
  void load_then_retry(std::vector<storage::CacheLoad> loads);
  void respond(std::vector<Result>& results);

  BrokerContext& ctx_;
  Request req_;
  Responder out_;
  FetchLimits limits_;
  FetchContext session_;
  std::vector<FetchFailure> failures_;
  boost::asio::steady_timer timer_;
  bool parked_ = false;
  bool done_ = false;
  int load_rounds_ = 0;
  bool loading_ = false;
  bool deadline_passed_ = false;  // while loading
};

}  // namespace fjord::broker
