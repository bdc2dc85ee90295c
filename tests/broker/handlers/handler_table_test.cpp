// The served-API declarations (ApiSpec in each <api>_handler.h) against the
// schemas the codecs were generated from.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "broker/handlers/handler_table.h"
#include "broker/handlers/produce_handler.h"

namespace fjord::broker {
namespace {

void noop(BrokerContext&, Request, Responder) {}

// The message check_against_schemas throws, or "" when it accepts `specs`.
std::string refusal(std::vector<ApiSpec> specs) {
  try {
    check_against_schemas(specs);
    return "";
  } catch (const std::logic_error& e) {
    return e.what();
  }
}

TEST(HandlerTable, EveryDeclaredRangeIsWithinTheSchemas) {
  EXPECT_EQ(refusal({served_apis().begin(), served_apis().end()}), "");
}

TEST(HandlerTable, DeclarationsKeepWhatClientsRelyOn) {
  const ApiSpec* produce = nullptr;
  const ApiSpec* find_coordinator = nullptr;
  for (const ApiSpec& spec : served_apis()) {
    if (spec.key == 0) produce = &spec;
    if (spec.key == 10) find_coordinator = &spec;
    // Creating and deleting topics fsyncs files: never on a network thread.
    if (spec.key == 19 || spec.key == 20) {
      EXPECT_EQ(spec.thread, HandlerThread::admin) << spec.name;
    }
  }
  // librdkafka enables compression only with Produce v0, LZ4 only with FindCoordinator v0.
  ASSERT_NE(produce, nullptr);
  EXPECT_EQ(produce->min, 0);
  ASSERT_NE(find_coordinator, nullptr);
  EXPECT_EQ(find_coordinator->min, 0);
}

TEST(HandlerTable, ChecksRefuseWhatTheCodecsCannotServe) {
  EXPECT_EQ(refusal({kProduceApi}), "");
  EXPECT_NE(refusal({{.key = 4, .name = "LeaderAndIsr", .min = 0, .max = 0, .handle = noop}}).find("no schema"),
            std::string::npos);
  EXPECT_NE(refusal({{.key = 11, .name = "Heartbeat", .min = 0, .max = 4, .handle = noop}}).find("JoinGroup"),
            std::string::npos);
  EXPECT_NE(refusal({{.key = 0, .name = "Produce", .min = 0, .max = 12, .handle = noop}}).find("0-11"),
            std::string::npos);
  EXPECT_NE(refusal({{.key = 0, .name = "Produce", .min = 5, .max = 4, .handle = noop}}).find("5-4"),
            std::string::npos);
  EXPECT_NE(refusal({{.key = 0, .name = "Produce", .min = -1, .max = 4, .handle = noop}}), "");
  EXPECT_NE(refusal({{.key = 0, .name = "Produce", .min = 0, .max = 11}}).find("no handler"), std::string::npos);
  EXPECT_NE(refusal({kProduceApi, kProduceApi}).find("twice"), std::string::npos);
}

}  // namespace
}  // namespace fjord::broker
