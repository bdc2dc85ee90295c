// Handlers against a real LogManager in a temporary directory: requests are
// encoded with the generated codecs, responses decoded the same way.
#include <gtest/gtest.h>

#include <cstring>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <optional>

#include "broker/config/config_manager.h"
#include "broker/config/storage_settings.h"
#include "broker/dispatch/dispatcher.h"
#include "broker/handlers/handler_table.h"
#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/api_versions_response.h"
#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/create_topics_response.h"
#include "protocol/messages/delete_topics_request.h"
#include "protocol/messages/delete_topics_response.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"
#include "protocol/messages/find_coordinator_request.h"
#include "protocol/messages/find_coordinator_response.h"
#include "protocol/messages/headers.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/list_offsets_response.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/metadata_response.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "protocol/records/record_batch_builder.h"

namespace fjord::broker {
namespace {

namespace fs = std::filesystem;

struct Answer {
  std::optional<SlotOutcome> kind;
  OutgoingResponse response;
};

// Buffer bytes with file splices read back in, as the socket would see them.
std::vector<uint8_t> flatten(const OutgoingResponse& r) {
  const auto& buf = r.data.buffer();
  std::vector<uint8_t> out;
  size_t pos = 0;
  for (const auto& s : r.data.splices()) {
    out.insert(out.end(), buf.begin() + static_cast<long>(pos), buf.begin() + static_cast<long>(s.buffer_offset));
    std::vector<uint8_t> file(s.slice.length);
    if (s.slice.memory)
      std::memcpy(file.data(), s.slice.memory, file.size());
    else
      EXPECT_EQ(::pread(s.slice.fd, file.data(), file.size(), static_cast<off_t>(s.slice.position)),
                static_cast<ssize_t>(file.size()));
    out.insert(out.end(), file.begin(), file.end());
    pos = s.buffer_offset;
  }
  out.insert(out.end(), buf.begin() + static_cast<long>(pos), buf.end());
  return out;
}

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void TearDown() override {
    logs_->shutdown();
    fs::remove_all(dir_);
  }

  void start(std::function<void(ServerConfig&)> tweak) {
    dir_ = fs::temp_directory_path() / ("fjord-handlers-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    config_.log_dirs = {dir_.string()};
    config_.num_partitions = 2;
    if (tweak) tweak(config_);
    logs_ = std::make_unique<storage::LogManager>(make_storage_config(config_));
    ASSERT_EQ(logs_->open(), storage::Errc::ok);
    ctx_ = std::unique_ptr<BrokerContext>(new BrokerContext{config_, *logs_, sessions_, waiters_, dispatcher_,
                                                            "test-cluster", 0, {{"127.0.0.1", 9092}}});
    configs_ = std::make_unique<ConfigManager>(config_, 0, *logs_, DynamicBrokerValues{});
    ctx_->configs = configs_.get();
    dispatcher_.set_table(make_handler_table(*ctx_));
  }

  template <typename Req>
  Answer call(const Req& body, int16_t version) {
    protocol::Writer w;
    body.encode(w, version);
    Request req;
    req.frame = make_frame(w.buffer());
    req.api_key = Req::kApiKey;
    req.api_version = version;
    req.header.correlation_id = 99;
    req.peer = "test";
    req.io = &io_;
    Answer a;
    dispatcher_.find(Req::kApiKey)->handle(std::move(req), Responder([&a](SlotOutcome k, OutgoingResponse r) {
      a.kind = k;
      a.response = std::move(r);
    }));
    // Parked fetches finish on the io_context (timer or wake-up).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!a.kind && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(10));
    }
    return a;
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

  protocol::MetadataResponse metadata(std::optional<std::vector<std::string>> topics, int16_t v,
                                      bool allow_create = true) {
    protocol::MetadataRequest m;
    if (topics) {
      m.topics.emplace();
      for (auto& t : *topics) m.topics->push_back({{}, t});
    } else {
      m.topics = std::nullopt;
    }
    m.allow_auto_topic_creation = allow_create;
    return roundtrip<protocol::MetadataResponse>(m, v);
  }

  protocol::CreateTopicsResponse create(const std::string& name, int32_t partitions, int16_t rf, int16_t v = 7,
                                        bool validate_only = false) {
    protocol::CreateTopicsRequest req;
    auto& t = req.topics.emplace_back();
    t.name = name;
    t.num_partitions = partitions;
    t.replication_factor = rf;
    req.validate_only = validate_only;
    return roundtrip<protocol::CreateTopicsResponse>(req, v);
  }

  static std::vector<uint8_t> batch(int records, protocol::Compression c = protocol::Compression::none) {
    protocol::BatchOptions o;
    o.compression = c;
    protocol::RecordBatchBuilder b(o);
    for (int i = 0; i < records; ++i) b.add(1000 + i, std::nullopt, std::string_view("value"));
    return b.build();
  }

  Answer produce(const std::string& topic, std::vector<uint8_t>& data, int16_t acks, int16_t v = 7) {
    protocol::ProduceRequest req;
    req.acks = acks;
    req.timeout_ms = 1000;
    auto& t = req.topic_data.emplace_back();
    t.name = topic;
    auto& p = t.partition_data.emplace_back();
    p.index = 0;
    p.records.is_null = false;
    p.records.data = data.data();
    p.records.size = static_cast<uint32_t>(data.size());
    return call(req, v);
  }

  static protocol::ProduceResponse decode_produce(const Answer& a, int16_t v = 7) {
    auto bytes = flatten(a.response);
    protocol::Reader r(bytes.data() + 8, bytes.size() - 8);  // size + header v0
    protocol::ProduceResponse resp;
    EXPECT_TRUE(resp.decode(r, v));
    return resp;
  }

  fs::path dir_;
  ServerConfig config_;
  std::unique_ptr<storage::LogManager> logs_;
  FetchSessionCache sessions_;
  PartitionWaiters waiters_;
  Dispatcher dispatcher_;
  std::unique_ptr<BrokerContext> ctx_;
  std::unique_ptr<ConfigManager> configs_;
  boost::asio::io_context io_;
};

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

TEST_F(HandlersTest, FindCoordinatorNamesThisNodeForGroupsAndTransactions) {
  protocol::FindCoordinatorRequest req;
  req.key = "group-a";
  for (int16_t v : {0, 1, 3}) {
    auto resp = roundtrip<protocol::FindCoordinatorResponse>(req, v);
    EXPECT_EQ(resp.error_code, 0) << "v" << v;
    EXPECT_EQ(resp.node_id, 0);
    EXPECT_EQ(resp.host, "127.0.0.1");
    EXPECT_EQ(resp.port, 9092);
  }
  req.key = "";
  EXPECT_EQ(roundtrip<protocol::FindCoordinatorResponse>(req, 2).error_code, 42);
  req.key = "txn";
  req.key_type = 7;
  EXPECT_EQ(roundtrip<protocol::FindCoordinatorResponse>(req, 3).error_code, 42);

  protocol::FindCoordinatorRequest batched;
  batched.key_type = 1;
  batched.coordinator_keys = {"t1", "", "t2"};
  auto resp = roundtrip<protocol::FindCoordinatorResponse>(batched, 6);
  ASSERT_EQ(resp.coordinators.size(), 3u);
  EXPECT_EQ(resp.coordinators[0].key, "t1");
  EXPECT_EQ(resp.coordinators[0].error_code, 0);
  EXPECT_EQ(resp.coordinators[0].port, 9092);
  EXPECT_EQ(resp.coordinators[1].error_code, 42);
  EXPECT_EQ(resp.coordinators[2].node_id, 0);
}

TEST_F(HandlersTest, MetadataNullEmptyAndAutoCreate) {
  auto first = metadata(std::vector<std::string>{"auto1"}, 4);
  ASSERT_EQ(first.topics.size(), 1u);
  EXPECT_EQ(first.topics[0].error_code, 5);  // LEADER_NOT_AVAILABLE right after creation
  EXPECT_EQ(first.controller_id, 0);
  ASSERT_EQ(first.brokers.size(), 1u);
  EXPECT_EQ(first.brokers[0].port, 9092);
  auto again = metadata(std::vector<std::string>{"auto1"}, 12);
  ASSERT_EQ(again.topics.size(), 1u);
  EXPECT_EQ(again.topics[0].error_code, 0);
  EXPECT_EQ(again.topics[0].partitions.size(), 2u);
  EXPECT_FALSE(again.topics[0].topic_id.is_zero());
  EXPECT_EQ(again.cluster_id, "test-cluster");

  EXPECT_EQ(metadata(std::vector<std::string>{}, 1).topics.size(), 0u);  // v1+: empty = none
  EXPECT_EQ(metadata(std::nullopt, 1).topics.size(), 1u);                // null = all
  EXPECT_EQ(metadata(std::vector<std::string>{}, 0).topics.size(), 1u);  // v0: empty = all

  auto no_create = metadata(std::vector<std::string>{"nope"}, 4, false);
  EXPECT_EQ(no_create.topics[0].error_code, 3);
  EXPECT_FALSE(logs_->topic("nope"));
  EXPECT_EQ(metadata(std::vector<std::string>{"bad/name"}, 4).topics[0].error_code, 17);
}

TEST_F(HandlersTest, CreateTopicsErrors) {
  auto ok = create("c1", -1, -1);
  ASSERT_EQ(ok.topics.size(), 1u);
  EXPECT_EQ(ok.topics[0].error_code, 0);
  EXPECT_EQ(ok.topics[0].num_partitions, 2);  // -1 = num.partitions
  EXPECT_EQ(ok.topics[0].replication_factor, 1);
  EXPECT_FALSE(ok.topics[0].topic_id.is_zero());
  ASSERT_TRUE(ok.topics[0].configs);
  EXPECT_FALSE(ok.topics[0].configs->empty());
  EXPECT_EQ(create("c1", 1, 1).topics[0].error_code, 36);
  EXPECT_EQ(create("c2", 1, 3).topics[0].error_code, 38);
  EXPECT_EQ(create("c3", 0, 1).topics[0].error_code, 37);
  EXPECT_EQ(create("bad name", 1, 1).topics[0].error_code, 17);
  EXPECT_EQ(create("c4", 1, 1, 7, true).topics[0].error_code, 0);
  EXPECT_FALSE(logs_->topic("c4"));  // validate_only creates nothing
}

TEST_F(HandlersTest, DeleteTopicsByNameAndId) {
  auto created = create("d1", 1, 1);
  protocol::DeleteTopicsRequest by_id;
  by_id.topics.push_back({std::nullopt, created.topics[0].topic_id});
  auto r = roundtrip<protocol::DeleteTopicsResponse>(by_id, 6);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].error_code, 0);
  EXPECT_EQ(r.responses[0].name, "d1");
  EXPECT_FALSE(logs_->topic("d1"));
  r = roundtrip<protocol::DeleteTopicsResponse>(by_id, 6);
  EXPECT_EQ(r.responses[0].error_code, 100);
  protocol::DeleteTopicsRequest by_name;
  by_name.topic_names = {"missing"};
  EXPECT_EQ(roundtrip<protocol::DeleteTopicsResponse>(by_name, 1).responses[0].error_code, 3);
}

TEST_F(HandlersTest, ProduceValidatesAndAcks) {
  create("p", 1, 1);
  auto good = batch(3);
  auto a = produce("p", good, -1);
  ASSERT_EQ(a.kind, SlotOutcome::respond);
  auto resp = decode_produce(a);
  ASSERT_EQ(resp.responses.size(), 1u);
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 0);
  EXPECT_EQ(resp.responses[0].partition_responses[0].base_offset, 0);

  auto second = batch(2);
  a = produce("p", second, 0);
  EXPECT_EQ(a.kind, SlotOutcome::silent);  // acks=0: nothing on the wire

  auto corrupt = batch(1);
  corrupt.back() ^= 0xff;  // breaks the CRC
  resp = decode_produce(produce("p", corrupt, 1));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 2);
  auto corrupt0 = batch(1);
  corrupt0.back() ^= 0xff;
  EXPECT_EQ(produce("p", corrupt0, 0).kind, SlotOutcome::close);  // acks=0 errors close

  auto two = batch(1);
  auto more = batch(1);
  two.insert(two.end(), more.begin(), more.end());
  resp = decode_produce(produce("p", two, 1));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 87);  // v3+: one batch only

  auto zstd = batch(5, protocol::Compression::zstd);
  resp = decode_produce(produce("p", zstd, 1, 6), 6);
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 76);

  auto bad_acks = batch(1);
  resp = decode_produce(produce("p", bad_acks, 2));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 21);
  EXPECT_EQ(logs_->partition("p", 0)->log_end_offset(), 5);
}

// A topic whose compression.type names a codec stores good batches in it and
// refuses bad ones with Kafka's error codes, appending nothing from them.
TEST_F(HandlersTest, ProduceToATopicWithACodecRecompressesAndRefusesBadBatches) {
  std::string err;
  ASSERT_EQ(logs_->create_topic("gz", 1, {{"compression.type", "gzip"}}, nullptr, &err), storage::Errc::ok) << err;
  auto corrupt = batch(2);
  corrupt.back() ^= 0xff;  // breaks the CRC: must not be recompressed into a valid batch
  EXPECT_EQ(decode_produce(produce("gz", corrupt, 1)).responses[0].partition_responses[0].error_code, 2);
  auto zstd = batch(3, protocol::Compression::zstd);
  EXPECT_EQ(decode_produce(produce("gz", zstd, 1, 6), 6).responses[0].partition_responses[0].error_code, 76);
  auto log = logs_->partition("gz", 0);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 0);

  auto good = batch(4);
  EXPECT_EQ(decode_produce(produce("gz", good, -1)).responses[0].partition_responses[0].error_code, 0);
  EXPECT_EQ(log->log_end_offset(), 4);
  storage::ReadResult r = log->read(0, 1 << 20);
  ASSERT_GE(r.slice.length, protocol::kBatchHeaderSize);
  std::vector<uint8_t> stored(r.slice.length);
  if (r.slice.memory) std::memcpy(stored.data(), r.slice.memory, stored.size());
  else ASSERT_EQ(::pread(r.slice.fd, stored.data(), stored.size(), off_t(r.slice.position)), ssize_t(stored.size()));
  protocol::RecordBatchView view;
  ASSERT_EQ(protocol::RecordBatchView::parse(stored.data(), stored.size(), &view), protocol::BatchError::ok);
  EXPECT_EQ(view.compression(), protocol::Compression::gzip);
  EXPECT_TRUE(view.crc_valid());
  EXPECT_EQ(view.record_count(), 4);
}

TEST_F(HandlersTest, FetchReturnsFileSliceAndWaitsForData) {
  create("f", 1, 1);
  auto data = batch(4);
  produce("f", data, -1);

  protocol::FetchRequest req;
  req.max_wait_ms = 100;
  req.min_bytes = 1;
  auto& t = req.topics.emplace_back();
  t.topic = "f";
  auto& p = t.partitions.emplace_back();
  p.fetch_offset = 0;
  p.partition_max_bytes = 1 << 20;
  Answer a = call(req, 11);
  ASSERT_EQ(a.kind, SlotOutcome::respond);
  EXPECT_EQ(a.response.data.splices().size(), 1u);  // records are not copied
  auto bytes = flatten(a.response);
  protocol::Reader r(bytes.data() + 8, bytes.size() - 8);
  protocol::FetchResponse resp;
  ASSERT_TRUE(resp.decode(r, 11));
  ASSERT_EQ(resp.responses.size(), 1u);
  auto& pd = resp.responses[0].partitions[0];
  EXPECT_EQ(pd.error_code, 0);
  EXPECT_EQ(pd.high_watermark, 4);
  EXPECT_EQ(pd.records.size, data.size());

  // At the end of the log the fetch waits max_wait_ms, then answers empty.
  p.fetch_offset = 4;
  auto start = std::chrono::steady_clock::now();
  a = call(req, 11);
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(a.kind, SlotOutcome::respond);
  EXPECT_GE(waited, std::chrono::milliseconds(90));
  EXPECT_TRUE(a.response.data.splices().empty());

  // Out of range and unknown partitions are per-partition errors.
  p.fetch_offset = 100;
  bytes = flatten(call(req, 11).response);
  protocol::Reader r2(bytes.data() + 8, bytes.size() - 8);
  ASSERT_TRUE(resp.decode(r2, 11));
  EXPECT_EQ(resp.responses[0].partitions[0].error_code, 1);
}

TEST_F(HandlersTest, ListOffsetsEarliestLatestAndTimestamp) {
  create("l", 1, 1);
  auto data = batch(3);  // timestamps 1000..1002
  produce("l", data, -1);
  auto query = [&](int64_t ts) {
    protocol::ListOffsetsRequest req;
    req.replica_id = -1;
    auto& t = req.topics.emplace_back();
    t.name = "l";
    t.partitions.push_back({0, -1, ts, 1});
    return roundtrip<protocol::ListOffsetsResponse>(req, 7).topics[0].partitions[0];
  };
  EXPECT_EQ(query(-2).offset, 0);
  EXPECT_EQ(query(-1).offset, 3);
  EXPECT_EQ(query(1001).offset, 1);
  EXPECT_EQ(query(1001).timestamp, 1001);
  EXPECT_EQ(query(5000).offset, -1);
  EXPECT_EQ(query(-3).offset, 2);
}

class DeletionDisabledTest : public HandlersTest {
  void SetUp() override {
    start([](ServerConfig& c) { c.delete_topic_enable = false; });
  }
};

TEST_F(DeletionDisabledTest, DeleteTopicsRefused) {
  create("keep", 1, 1);
  protocol::DeleteTopicsRequest req;
  req.topic_names = {"keep"};
  EXPECT_EQ(roundtrip<protocol::DeleteTopicsResponse>(req, 4).responses[0].error_code, 73);
  EXPECT_TRUE(logs_->topic("keep"));
}

}  // namespace
}  // namespace fjord::broker

namespace fjord::broker {
namespace {

class SmallMessagesTest : public HandlersTest {
  void SetUp() override {
    start([](ServerConfig& c) { c.message_max_bytes = 200; });
  }
};

TEST_F(SmallMessagesTest, BatchAboveMessageMaxBytesIsRejected) {
  create("small", 1, 1);
  auto big = batch(30);
  ASSERT_GT(big.size(), 200u);
  auto resp = decode_produce(produce("small", big, 1));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 10);
  auto ok = batch(1);
  resp = decode_produce(produce("small", ok, 1));
  EXPECT_EQ(resp.responses[0].partition_responses[0].error_code, 0);
}

}  // namespace
}  // namespace fjord::broker

namespace fjord::broker {
namespace {

TEST_F(HandlersTest, FetchV17SessionsByTopicId) {
  auto created = create("s", 1, 1);
  protocol::Uuid id = created.topics[0].topic_id;
  auto data = batch(2);
  produce("s", data, -1);

  auto fetch = [&](int32_t session, int32_t epoch, bool with_partition, int64_t offset) {
    protocol::FetchRequest req;
    req.max_wait_ms = 0;
    req.session_id = session;
    req.session_epoch = epoch;
    if (with_partition) {
      auto& t = req.topics.emplace_back();
      t.topic_id = id;
      auto& p = t.partitions.emplace_back();
      p.fetch_offset = offset;
      p.partition_max_bytes = 1 << 20;
    }
    Answer a = call(req, 17);
    EXPECT_EQ(a.kind, SlotOutcome::respond);
    auto bytes = flatten(a.response);
    protocol::Reader r(bytes.data() + 4, bytes.size() - 4);
    protocol::ResponseHeader h;
    EXPECT_TRUE(h.decode(r, 1));
    protocol::FetchResponse resp;
    EXPECT_TRUE(resp.decode(r, 17));
    return resp;
  };

  auto full = fetch(0, 0, true, 0);  // Java's first fetch: create a session
  ASSERT_NE(full.session_id, 0);
  ASSERT_EQ(full.responses.size(), 1u);
  EXPECT_EQ(full.responses[0].topic_id, id);
  EXPECT_EQ(full.responses[0].partitions[0].records.size, data.size());

  // Caught up (offset 2) and nothing new: the incremental answer is empty.
  auto inc = fetch(full.session_id, 1, true, 2);
  EXPECT_EQ(inc.error_code, 0);
  EXPECT_EQ(inc.session_id, full.session_id);
  EXPECT_TRUE(inc.responses.empty());
  // New data shows up without naming the partition again.
  auto more = batch(1);
  produce("s", more, -1);
  inc = fetch(full.session_id, 2, false, 0);
  ASSERT_EQ(inc.responses.size(), 1u);
  EXPECT_EQ(inc.responses[0].partitions[0].high_watermark, 3);
  EXPECT_EQ(fetch(full.session_id, 7, false, 0).error_code, 71);
  EXPECT_EQ(fetch(12345, 1, false, 0).error_code, 70);

  // Unknown topic ids are reported per partition.
  id.bytes[0] ^= 0xff;
  auto unknown = fetch(0, -1, true, 0);
  ASSERT_EQ(unknown.responses.size(), 1u);
  EXPECT_EQ(unknown.responses[0].partitions[0].error_code, 100);
}

}  // namespace
}  // namespace fjord::broker
