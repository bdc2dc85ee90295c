#pragma once
// Turns a raw frame into a Request and hands it to the handler registered
// for its API key. The table (broker/handlers/handler_table.h, built from
// each handler's ApiSpec) is all this broker answers; ApiVersions
// advertises exactly this table.
#include <cstdint>
#include <functional>
#include <vector>

#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/dispatch/warning_throttle.h"

namespace fjord::broker {

struct ApiHandler {
  int16_t api_key = 0;
  int16_t min_version = 0;
  int16_t max_version = 0;
  std::function<void(Request, Responder)> handle;
};

class Dispatcher {
 public:
  // `warning_period`: how often each refused API key is logged (tests shorten it).
  explicit Dispatcher(WarningThrottle::Clock::duration warning_period = std::chrono::minutes(1))
      : unserved_keys_(warning_period), unserved_versions_(warning_period) {}
  explicit Dispatcher(std::vector<ApiHandler> table) : Dispatcher() { set_table(std::move(table)); }
  void set_table(std::vector<ApiHandler> table);

  // `req` carries frame, peer and io; the header fields are filled here.
  // Malformed headers, unknown keys and unsupported versions (other than
  // ApiVersions, which gets Kafka's v0 fallback) close the connection.
  // Unknown keys and unsupported versions are warned about once per key and
  // period, with a count of those left out (which are logged at debug level).
  void dispatch(Request req, Responder responder) const;

  const std::vector<ApiHandler>& table() const { return table_; }
  const ApiHandler* find(int16_t api_key) const;

 private:
  std::vector<ApiHandler> table_;        // sorted by api_key
  std::vector<int16_t> index_;           // api_key -> position+1, 0 = none
  mutable WarningThrottle unserved_keys_;
  mutable WarningThrottle unserved_versions_;
};

// ApiVersions' answer to a version it does not support: a v0 body with
// UNSUPPORTED_VERSION and only key 18's range, under response header v0.
OutgoingResponse api_versions_fallback(int32_t correlation_id, const ApiHandler& api_versions);

}  // namespace fjord::broker
