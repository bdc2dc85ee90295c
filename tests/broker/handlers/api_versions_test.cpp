#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "broker/handlers/handler_table.h"
#include "handler_fixture.h"
#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/api_versions_response.h"

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, ApiVersionsAdvertisesExactlyTheTable) {
  protocol::ApiVersionsRequest req;
  req.client_software_name = "test";
  req.client_software_version = "1.0";
  auto resp = roundtrip<protocol::ApiVersionsResponse>(req, 3);
  EXPECT_EQ(resp.error_code, 0);
  ASSERT_EQ(resp.api_keys.size(), dispatcher_.table().size());
  for (const auto& k : resp.api_keys) {
    auto* api = dispatcher_.find(k.api_key);
    ASSERT_NE(api, nullptr);
    EXPECT_EQ(k.min_version, api->min_version);
    EXPECT_EQ(k.max_version, api->max_version);
  }
  EXPECT_EQ(dispatcher_.find(0)->min_version, 0);  // librdkafka needs Produce v0 for compression
  req.client_software_name = "-bad name-";
  EXPECT_EQ(roundtrip<protocol::ApiVersionsResponse>(req, 3).error_code, 42);
}

// What ApiVersions advertises is what the handlers declare (ApiSpec), key for
// key, and nothing else.
TEST_F(HandlersTest, ApiVersionsAdvertisesExactlyTheDeclarations) {
  protocol::ApiVersionsRequest req;
  req.client_software_name = "test";
  req.client_software_version = "1.0";
  auto resp = roundtrip<protocol::ApiVersionsResponse>(req, 3);
  ASSERT_EQ(resp.error_code, 0);
  std::map<int16_t, std::pair<int16_t, int16_t>> advertised, declared;
  for (const auto& k : resp.api_keys) advertised[k.api_key] = {k.min_version, k.max_version};
  for (const ApiSpec& spec : served_apis()) declared[spec.key] = {spec.min, spec.max};
  EXPECT_EQ(advertised.size(), resp.api_keys.size()) << "a key advertised twice";
  EXPECT_EQ(advertised, declared);
  EXPECT_EQ(resp.api_keys.size(), served_apis().size());
}

}  // namespace
}  // namespace fjord::broker
