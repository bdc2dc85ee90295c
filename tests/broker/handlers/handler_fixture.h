#pragma once
// Handlers against a real LogManager in a temporary directory: requests are
// encoded with the generated codecs, responses decoded the same way. One
// test file per API (<api>_test.cpp) uses this fixture.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/config/config_manager.h"
#include "broker/config/server_config.h"
#include "broker/coordinator/producer_id_manager.h"
#include "broker/dispatch/dispatcher.h"
#include "broker/fetch/fetch_session_cache.h"
#include "broker/fetch/partition_waiters.h"
#include "broker/handlers/broker_context.h"
#include "protocol/messages/create_topics_response.h"
#include "protocol/messages/headers.h"
#include "protocol/messages/metadata_response.h"
#include "protocol/messages/produce_response.h"
#include "protocol/records/record_batch.h"
#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"
#include "storage/log/log_manager.h"

namespace fjord::broker {

struct Answer {
  std::optional<SlotOutcome> kind;
  OutgoingResponse response;
};

// Buffer bytes with file splices read back in, as the socket would see them.
std::vector<uint8_t> flatten(const OutgoingResponse& r);

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void TearDown() override;

  // A broker context and handler table over a fresh log directory; `tweak`
  // adjusts the settings first.
  void start(std::function<void(ServerConfig&)> tweak);

  // Runs the handler registered for the request's key; waits up to 5 s for
  // an answer (parked fetches finish on the io_context).
  template <typename Req>
  Answer call(const Req& body, int16_t version) {
    protocol::Writer w;
    body.encode(w, version);
    return call_encoded(Req::kApiKey, version, w.buffer());
  }

  template <typename Resp, typename Req>
  Resp roundtrip(const Req& body, int16_t version) {
    Answer a = call(body, version);
    EXPECT_EQ(a.kind, SlotOutcome::respond);
    auto bytes = flatten(a.response);
    protocol::Reader r(bytes.data(), bytes.size());
    EXPECT_EQ(r.i32(), static_cast<int32_t>(bytes.size() - 4));
    protocol::ResponseHeader h;
    EXPECT_TRUE(h.decode(r, protocol::response_header_version(Req::kApiKey, version)));
    EXPECT_EQ(h.correlation_id, 99);
    Resp resp;
    EXPECT_TRUE(resp.decode(r, version));
    EXPECT_EQ(r.remaining(), 0u);
    return resp;
  }

  // Sends a request and waits up to 10 s for the answer, which may come from
  // another thread (a coordinator's); decodes it as Resp.
  template <typename Resp, typename Req>
  Resp ask(const Req& body, int16_t version) {
    protocol::Writer w;
    body.encode(w, version);
    const std::vector<uint8_t> bytes = flatten(ask_encoded(Req::kApiKey, version, w.buffer()));
    protocol::Reader r(bytes.data(), bytes.size());
    r.i32();
    protocol::ResponseHeader h;
    EXPECT_TRUE(h.decode(r, protocol::response_header_version(Req::kApiKey, version)));
    Resp resp;
    EXPECT_TRUE(resp.decode(r, version)) << "v" << version;
    EXPECT_EQ(r.remaining(), 0u);
    return resp;
  }

  protocol::MetadataResponse metadata(std::optional<std::vector<std::string>> topics, int16_t v,
                                      bool allow_create = true);
  protocol::CreateTopicsResponse create(const std::string& name, int32_t partitions, int16_t rf, int16_t v = 7,
                                        bool validate_only = false);
  static std::vector<uint8_t> batch(int records, protocol::Compression c = protocol::Compression::none);
  // A batch of an idempotent (or transactional) producer.
  static std::vector<uint8_t> producer_batch(int records, int64_t producer_id, int16_t epoch, int32_t sequence,
                                             bool transactional = false);
  Answer produce(const std::string& topic, std::vector<uint8_t>& data, int16_t acks, int16_t v = 7,
                 std::optional<std::string> transactional_id = std::nullopt);
  static protocol::ProduceResponse decode_produce(const Answer& a, int16_t v = 7);

  std::filesystem::path dir_;
  ServerConfig config_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<ConfigManager> configs_;
  std::unique_ptr<coordinator::ProducerIdManager> producer_ids_;
  FetchSessionCache sessions_;
  PartitionWaiters waiters_;
  Dispatcher dispatcher_;
  std::unique_ptr<BrokerContext> ctx_;
  boost::asio::io_context io_;

 private:
  Answer call_encoded(int16_t api_key, int16_t version, const std::vector<uint8_t>& body);
  OutgoingResponse ask_encoded(int16_t api_key, int16_t version, const std::vector<uint8_t>& body);
};

}  // namespace fjord::broker
