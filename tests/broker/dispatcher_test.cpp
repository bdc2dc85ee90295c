#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "broker/dispatch/dispatcher.h"
#include "protocol/messages/api_versions_response.h"
#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"

namespace fjord::broker {
namespace {

struct Outcome {
  std::optional<SlotOutcome> kind;
  OutgoingResponse response;
};

Responder capture(Outcome* o) {
  return Responder([o](SlotOutcome k, OutgoingResponse r) {
    o->kind = k;
    o->response = std::move(r);
  });
}

// Frame body (no size prefix): request header v1 or v2 plus body bytes.
FrameBuffer request(int16_t key, int16_t version, int32_t correlation, bool flexible_header,
                    std::vector<uint8_t> body = {}) {
  protocol::Writer w;
  w.i16(key);
  w.i16(version);
  w.i32(correlation);
  w.string("client", false);
  if (flexible_header) w.uvarint(0);
  w.raw(body.data(), body.size());
  return make_frame(w.buffer());
}

struct DispatcherTest : ::testing::Test {
  void SetUp() override {
    ApiHandler metadata{3, 0, 12, [this](Request r, Responder out) {
                          seen = std::move(r);
                          out.silent();
                        }};
    ApiHandler versions{18, 0, 4, [this](Request r, Responder out) {
                          seen = std::move(r);
                          out.silent();
                        }};
    dispatcher.set_table({versions, metadata});
  }
  Outcome run(FrameBuffer frame) {
    Outcome o;
    Request req;
    req.frame = std::move(frame);
    req.peer = "test";
    dispatcher.dispatch(std::move(req), capture(&o));
    return o;
  }
  Dispatcher dispatcher;
  std::optional<Request> seen;
};

TEST_F(DispatcherTest, RoutesByKeyAndParsesHeader) {
  auto o = run(request(3, 9, 77, true, {0xAB}));
  ASSERT_EQ(o.kind, SlotOutcome::silent);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->api_key, 3);
  EXPECT_EQ(seen->api_version, 9);
  EXPECT_EQ(seen->header.correlation_id, 77);
  EXPECT_EQ(seen->header.client_id, "client");
  ASSERT_EQ(seen->body_size(), 1u);
  EXPECT_EQ(seen->body()[0], 0xAB);
}

TEST_F(DispatcherTest, TableIsSortedForApiVersions) {
  ASSERT_EQ(dispatcher.table().size(), 2u);
  EXPECT_EQ(dispatcher.table()[0].api_key, 3);
  EXPECT_EQ(dispatcher.table()[1].api_key, 18);
  EXPECT_EQ(dispatcher.find(1), nullptr);
  EXPECT_EQ(dispatcher.find(-1), nullptr);
  EXPECT_EQ(dispatcher.find(32767), nullptr);
}

TEST_F(DispatcherTest, UnknownKeyUnsupportedVersionAndShortFramesClose) {
  EXPECT_EQ(run(request(1, 0, 1, false)).kind, SlotOutcome::close);
  EXPECT_EQ(run(request(3, 13, 1, true)).kind, SlotOutcome::close);
  EXPECT_EQ(run(request(3, -1, 1, false)).kind, SlotOutcome::close);
  EXPECT_EQ(run(make_frame(std::vector<uint8_t>{0, 3, 0})).kind, SlotOutcome::close);
  // client_id length runs past the frame.
  EXPECT_EQ(run(make_frame(std::vector<uint8_t>{0, 3, 0, 1, 0, 0, 0, 1, 0, 50, 'x'})).kind,
            SlotOutcome::close);
  EXPECT_FALSE(seen);
}

TEST_F(DispatcherTest, UnsupportedApiVersionsGetsV0Fallback) {
  auto o = run(request(18, 9, 4242, true, {0xFF, 0xFF}));  // body is never parsed
  ASSERT_EQ(o.kind, SlotOutcome::respond);
  EXPECT_FALSE(seen);
  const auto& b = o.response.data.buffer();
  protocol::Reader r(b.data(), b.size());
  EXPECT_EQ(r.i32(), static_cast<int32_t>(b.size() - 4));
  EXPECT_EQ(r.i32(), 4242);  // response header v0: no tagged fields
  protocol::ApiVersionsResponse body;
  ASSERT_TRUE(body.decode(r, 0));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(body.error_code, 35);
  ASSERT_EQ(body.api_keys.size(), 1u);
  EXPECT_EQ(body.api_keys[0].api_key, 18);
  EXPECT_EQ(body.api_keys[0].max_version, 4);
}

// Routes the default logger's warnings into a string for one test.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_st>(out_));
    logger->set_level(spdlog::level::warn);
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) v.push_back(line);
    return v;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// A group client told of a coordinator resends JoinGroup hundreds of times a
// minute: each refused key is warned about once per period, with a count.
TEST(DispatcherWarnings, RefusedRequestsWarnOncePerKeyAndPeriod) {
  LogCapture log;
  constexpr auto kPeriod = std::chrono::milliseconds(300);
  Dispatcher dispatcher(kPeriod);
  dispatcher.set_table({ApiHandler{3, 0, 12, [](Request, Responder out) { out.silent(); }}});
  auto run = [&](int16_t key, int16_t version) {
    Outcome o;
    Request req;
    req.frame = request(key, version, 1, false);
    req.peer = "test";
    dispatcher.dispatch(std::move(req), capture(&o));
    EXPECT_EQ(o.kind, SlotOutcome::close);
  };
  for (int i = 0; i < 100; ++i) run(11, 5);  // JoinGroup: not served
  for (int i = 0; i < 3; ++i) run(999, 0);   // no such API at all
  for (int i = 0; i < 5; ++i) run(3, 13);    // Metadata above the served range
  auto lines = log.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("api key 11 (JoinGroup) is not served"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("repeats are counted"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("api key 999 is not served"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("api key 3 (Metadata) version 13 unsupported"), std::string::npos) << lines[2];

  std::this_thread::sleep_for(kPeriod + std::chrono::milliseconds(50));
  run(11, 5);
  run(11, 5);
  lines = log.lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[3].find("api key 11 (JoinGroup) is not served"), std::string::npos) << lines[3];
  EXPECT_NE(lines[3].find("99 more suppressed"), std::string::npos) << lines[3];
}

TEST(Responder, DroppedResponderClosesAndAnswersOnce) {
  Outcome o;
  { Responder r = capture(&o); }
  EXPECT_EQ(o.kind, SlotOutcome::close);
  Outcome p;
  {
    Responder r = capture(&p);
    r.silent();
    r.close();  // ignored: already answered
  }
  EXPECT_EQ(p.kind, SlotOutcome::silent);
}

}  // namespace
}  // namespace fjord::broker
