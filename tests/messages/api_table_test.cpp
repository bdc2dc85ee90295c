#include <gtest/gtest.h>

#include <set>

#include "protocol/messages/api_table.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/headers.h"
#include "protocol/messages/produce_request.h"

namespace fjord::protocol {
namespace {

TEST(ApiTable, HasEveryImplementedApiSorted) {
  // 69 and 71 only for decoding the Java clients' requests in tests: the
  // broker's handler table, not this one, decides what is advertised.
  const std::set<int16_t> expected = {0,  1,  2,  3,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                                      20, 21, 22, 23, 24, 25, 26, 28, 29, 30, 31, 32, 33, 35, 36, 37,
                                      42, 43, 44, 45, 46, 47, 50, 51, 60, 61, 65, 66, 69, 71, 75};
  std::set<int16_t> seen;
  int16_t last = -1;
  for (const ApiInfo& api : all_apis()) {
    EXPECT_GT(api.key, last);
    last = api.key;
    seen.insert(api.key);
    EXPECT_EQ(find_api(api.key), &api);
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(find_api(4), nullptr);
  EXPECT_EQ(find_api(-1), nullptr);
  EXPECT_EQ(find_api(1000), nullptr);
}

TEST(ApiTable, RangesMatchTheSchemas) {
  const ApiInfo* produce = find_api(0);
  ASSERT_NE(produce, nullptr);
  EXPECT_STREQ(produce->name, "Produce");
  EXPECT_EQ(produce->min_version, 0);
  EXPECT_EQ(produce->max_version, 11);
  EXPECT_EQ(produce->first_flexible_version, 9);
  EXPECT_EQ(ProduceRequest::kFirstFlexibleVersion, 9);
  EXPECT_EQ(FetchRequest::kHighestVersion, 17);
  const ApiInfo* sasl = find_api(17);
  ASSERT_NE(sasl, nullptr);
  EXPECT_EQ(sasl->first_flexible_version, INT16_MAX);  // never flexible
  EXPECT_STREQ(find_api(18)->name, "ApiVersions");
  EXPECT_EQ(find_api(18)->first_flexible_version, 3);
}

TEST(Headers, RequestHeaderVersions) {
  EXPECT_EQ(request_header_version(18, 0), 1);
  EXPECT_EQ(request_header_version(18, 3), 2);
  EXPECT_EQ(request_header_version(18, 4), 2);
  EXPECT_EQ(request_header_version(18, 7), 2);  // unknown ApiVersions v7: header v2
  EXPECT_EQ(request_header_version(0, 8), 1);
  EXPECT_EQ(request_header_version(0, 9), 2);
  EXPECT_EQ(request_header_version(17, 1), 1);  // SaslHandshake is never flexible
  EXPECT_EQ(request_header_version(4, 0), 1);   // unknown key
}

TEST(Headers, ResponseHeaderVersions) {
  EXPECT_EQ(response_header_version(18, 3), 0);  // ApiVersions: always v0
  EXPECT_EQ(response_header_version(18, 0), 0);
  EXPECT_EQ(response_header_version(3, 4), 0);
  EXPECT_EQ(response_header_version(3, 9), 1);
  EXPECT_EQ(response_header_version(1, 12), 1);
  EXPECT_EQ(response_header_version(1, 11), 0);
}

TEST(Headers, ClientIdStaysClassicInHeaderV2) {
  RequestHeader h;
  h.request_api_key = 18;
  h.request_api_version = 3;
  h.correlation_id = 7;
  h.client_id = "rdkafka";
  Writer w;
  h.encode(w, 2);
  // key, version, correlation id, int16 length + 7 bytes, empty tag section.
  const std::vector<uint8_t> expected = {0, 18, 0, 3, 0, 0, 0, 7, 0, 7, 'r', 'd', 'k', 'a', 'f', 'k', 'a', 0};
  EXPECT_EQ(w.buffer(), expected);
  Reader r(w.buffer().data(), w.buffer().size());
  RequestHeader d;
  ASSERT_TRUE(d.decode(r, 2));
  EXPECT_EQ(d, h);
}

}  // namespace
}  // namespace fjord::protocol
