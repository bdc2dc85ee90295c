#include "broker/handlers/describe_configs_handler.h"

#include "broker/config/config_manager.h"
#include "broker/dispatch/request_body.h"
#include "broker/dispatch/response_encoder.h"
#include "broker/handlers/config_errors.h"
#include "protocol/messages/describe_configs_request.h"
#include "protocol/messages/describe_configs_response.h"

namespace fjord::broker {

void handle_describe_configs(BrokerContext& ctx, Request req, Responder out) {
  protocol::DescribeConfigsRequest body;
  if (!decode_body(req, &body)) return out.close();
  const int16_t v = req.api_version;
  protocol::DescribeConfigsResponse resp;
  for (const auto& resource : body.resources) {
    auto& r = resp.results.emplace_back();
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    std::vector<DescribedConfig> configs;
    ConfigOutcome outcome = ctx.configs->describe(ResourceType(resource.resource_type), resource.resource_name,
                                                  resource.configuration_keys, &configs);
    r.error_code = error_code_of(outcome);
    r.error_message = error_message_of(outcome);
    for (auto& c : configs) {
      auto& e = r.configs.emplace_back();
      e.name = std::move(c.name);
      e.value = c.sensitive ? std::nullopt : std::move(c.value);
      e.read_only = c.read_only;
      e.is_default = c.source == ConfigSource::default_config;  // v0 only
      e.config_source = int8_t(c.source);
      e.is_sensitive = c.sensitive;
      e.config_type = int8_t(c.type);
      // v0 has no synonyms; from v1 they are sent only when asked for.
      if (v >= 1 && body.include_synonyms)
        for (auto& s : c.synonyms)
          e.synonyms.push_back({std::move(s.name), c.sensitive ? std::nullopt : std::move(s.value), int8_t(s.source)});
      if (body.include_documentation) e.documentation = std::move(c.documentation);
      else e.documentation = std::nullopt;
    }
  }
  out.respond(encode_response(req, resp));
}

}  // namespace fjord::broker
