#include "broker/dispatch/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "protocol/messages/api_table.h"
#include "protocol/messages/api_versions_response.h"
#include "protocol/wire/reader.h"

namespace fjord::broker {
namespace {
constexpr int16_t kApiVersionsKey = 18;
constexpr int16_t kUnsupportedVersion = 35;

// "api key 11 (JoinGroup)"; just "api key 999" for a key without a schema.
std::string describe_key(int16_t key) {
  const protocol::ApiInfo* api = protocol::find_api(key);
  return "api key " + std::to_string(key) + (api ? std::string(" (") + api->name + ")" : "");
}

// How a throttled warning ends: what was left out since the last one.
std::string repeats(uint64_t suppressed, const WarningThrottle& throttle) {
  if (suppressed > 0) return " (" + std::to_string(suppressed) + " more suppressed since the last warning)";
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(throttle.period()).count();
  return " (repeats are counted and logged once every " + std::to_string(seconds) + " s)";
}

// A refused request: a warning the first time per key and period, else at
// debug level. `describe` builds the message only when it is logged.
template <typename Describe>
void log_refusal(WarningThrottle& throttle, int16_t key, Describe describe) {
  if (auto suppressed = throttle.admit(key, WarningThrottle::Clock::now()))
    spdlog::warn("{}{}", describe(), repeats(*suppressed, throttle));
  else if (spdlog::default_logger_raw()->should_log(spdlog::level::debug))
    spdlog::debug("{}", describe());
}
}  // namespace

void Dispatcher::set_table(std::vector<ApiHandler> table) {
  table_ = std::move(table);
  std::sort(table_.begin(), table_.end(), [](const auto& a, const auto& b) { return a.api_key < b.api_key; });
  index_.clear();
  for (size_t i = 0; i < table_.size(); ++i) {
    auto key = static_cast<size_t>(table_[i].api_key);
    if (index_.size() <= key) index_.resize(key + 1, 0);
    index_[key] = static_cast<int16_t>(i + 1);
  }
}

const ApiHandler* Dispatcher::find(int16_t api_key) const {
  if (api_key < 0 || static_cast<size_t>(api_key) >= index_.size() || index_[api_key] == 0) return nullptr;
  return &table_[index_[api_key] - 1];
}

OutgoingResponse api_versions_fallback(int32_t correlation_id, const ApiHandler& api_versions) {
  protocol::ApiVersionsResponse body;
  body.error_code = kUnsupportedVersion;
  protocol::ApiVersionsResponse::ApiVersion v;
  v.api_key = api_versions.api_key;
  v.min_version = api_versions.min_version;
  v.max_version = api_versions.max_version;
  body.api_keys.push_back(v);
  OutgoingResponse out;
  out.data = protocol::Writer(64);
  out.data.i32(0);
  out.data.i32(correlation_id);  // response header v0
  body.encode(out.data, 0);
  out.data.patch_i32(0, static_cast<int32_t>(out.data.size() - 4));
  return out;
}

void Dispatcher::dispatch(Request req, Responder responder) const {
  const auto& f = *req.frame;
  if (f.size() < 8) {
    spdlog::warn("{}: request frame of {} bytes is too short for a header; closing", req.peer, f.size());
    responder.close();
    return;
  }
  protocol::Reader peek(f.data(), f.size());
  req.api_key = peek.i16();
  req.api_version = peek.i16();
  int32_t correlation_id = peek.i32();
  const ApiHandler* api = find(req.api_key);
  if (!api) {
    // Clients retry some refused requests in a loop (group clients resend
    // JoinGroup hundreds of times a minute): a line each would flood the log.
    log_refusal(unserved_keys_, req.api_key, [&] {
      return fmt::format("{}: {} is not served (correlation id {}); closing", req.peer, describe_key(req.api_key),
                         correlation_id);
    });
    responder.close();
    return;
  }
  if (req.api_version < api->min_version || req.api_version > api->max_version) {
    if (req.api_key == kApiVersionsKey) {
      // Kafka answers without parsing the body, so clients can learn the range.
      spdlog::debug("{}: ApiVersions v{} unsupported; sending v0 fallback", req.peer, req.api_version);
      responder.respond(api_versions_fallback(correlation_id, *api));
      return;
    }
    log_refusal(unserved_versions_, req.api_key, [&] {
      return fmt::format("{}: {} version {} unsupported (supported {}-{}); closing", req.peer,
                         describe_key(req.api_key), req.api_version, api->min_version, api->max_version);
    });
    responder.close();
    return;
  }
  protocol::Reader r(f.data(), f.size());
  if (!req.header.decode(r, protocol::request_header_version(req.api_key, req.api_version)) || !r.ok()) {
    spdlog::warn("{}: malformed request header (api key {} v{}); closing", req.peer, req.api_key, req.api_version);
    responder.close();
    return;
  }
  req.body_offset = r.position();
  api->handle(std::move(req), std::move(responder));
}

}  // namespace fjord::broker
