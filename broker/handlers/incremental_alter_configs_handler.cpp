#include "broker/handlers/incremental_alter_configs_handler.h"

#include <map>
#include <utility>

#include "broker/config/config_manager.h"
#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/config_errors.h"
#include "protocol/messages/incremental_alter_configs_request.h"
#include "protocol/messages/incremental_alter_configs_response.h"

namespace fjord::broker {

void handle_incremental_alter_configs(BrokerContext& ctx, Request req, Responder out) {
  protocol::IncrementalAlterConfigsRequest body;
  if (!decode_body(req, &body)) return out.close();
  std::map<std::pair<int8_t, std::string>, int> seen;
  for (const auto& r : body.resources) ++seen[{r.resource_type, r.resource_name}];
  protocol::IncrementalAlterConfigsResponse resp;
  for (const auto& resource : body.resources) {
    auto& r = resp.responses.emplace_back();
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    ConfigOutcome outcome;
    if (seen[{resource.resource_type, resource.resource_name}] > 1) {
      outcome = ConfigOutcome::fail(ConfigOutcome::Error::invalid_request, "Each resource must appear at most once.");
    } else {
      std::vector<ConfigChange> changes;
      for (const auto& c : resource.configs) changes.push_back({c.name, c.config_operation, c.value});
      outcome = ctx.configs->alter(ResourceType(resource.resource_type), resource.resource_name, changes, true,
                                   body.validate_only);
    }
    r.error_code = error_code_of(outcome);
    r.error_message = error_message_of(outcome);
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
