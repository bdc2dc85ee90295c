#include "handler_fixture.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <future>

#include "broker/config/config_manager.h"
#include "broker/config/storage_settings.h"
#include "broker/handlers/handler_table.h"
#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/produce_request.h"
#include "protocol/records/record_batch_builder.h"

namespace fjord::broker {

namespace fs = std::filesystem;

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

void HandlersTest::TearDown() {
  logs_->shutdown();
  fs::remove_all(dir_);
}

void HandlersTest::start(std::function<void(ServerConfig&)> tweak) {
  dir_ = fs::temp_directory_path() / ("fjord-handlers-test-" + std::to_string(::getpid()));
  fs::remove_all(dir_);
  config_.log_dirs = {dir_.string()};
  config_.num_partitions = 2;
  if (tweak) tweak(config_);
  logs_ = std::make_unique<storage::LogManager>(make_storage_config(config_));
  ASSERT_EQ(logs_->open(), storage::Errc::ok);
  configs_ = std::make_unique<ConfigManager>(config_, 0, *logs_, DynamicBrokerValues{});
  producer_ids_ = std::make_unique<coordinator::ProducerIdManager>(
      0, std::make_unique<coordinator::FileProducerIdBlockStore>((dir_ / "producer-id-block.json").string()));
  ctx_ = std::unique_ptr<BrokerContext>(new BrokerContext{
      .config = config_,
      .logs = *logs_,
      .fetch_sessions = sessions_,
      .waiters = waiters_,
      .dispatcher = dispatcher_,
      .cluster_id = "test-cluster",
      .node_id = 0,
      .advertised = {{"127.0.0.1", 9092}},
      .configs = configs_.get(),
      .producer_ids = producer_ids_.get(),
  });
  dispatcher_.set_table(make_handler_table(*ctx_));
}

Answer HandlersTest::call_encoded(int16_t api_key, int16_t version, const std::vector<uint8_t>& body) {
  Request req;
  req.frame = make_frame(body);
  req.api_key = api_key;
  req.api_version = version;
  req.header.correlation_id = 99;
  req.peer = "test";
  req.io = &io_;
  Answer a;
  dispatcher_.find(api_key)->handle(std::move(req), Responder([&a](SlotOutcome k, OutgoingResponse r) {
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

OutgoingResponse HandlersTest::ask_encoded(int16_t api_key, int16_t version, const std::vector<uint8_t>& body) {
  Request req;
  req.frame = make_frame(body);
  req.api_key = api_key;
  req.api_version = version;
  req.header.correlation_id = 7;
  req.header.client_id = "tester";
  req.peer = "127.0.0.1:5555";
  req.io = &io_;
  auto answer = std::make_shared<std::promise<OutgoingResponse>>();
  dispatcher_.find(api_key)->handle(std::move(req), Responder([answer](SlotOutcome k, OutgoingResponse r) {
    if (k == SlotOutcome::respond) answer->set_value(std::move(r));
  }));
  auto f = answer->get_future();
  EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready ? f.get() : OutgoingResponse{};
}

protocol::MetadataResponse HandlersTest::metadata(std::optional<std::vector<std::string>> topics, int16_t v,
                                                  bool allow_create) {
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

protocol::CreateTopicsResponse HandlersTest::create(const std::string& name, int32_t partitions, int16_t rf,
                                                    int16_t v, bool validate_only) {
  protocol::CreateTopicsRequest req;
  auto& t = req.topics.emplace_back();
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = rf;
  req.validate_only = validate_only;
  return roundtrip<protocol::CreateTopicsResponse>(req, v);
}

std::vector<uint8_t> HandlersTest::batch(int records, protocol::Compression c) {
  protocol::BatchOptions o;
  o.compression = c;
  protocol::RecordBatchBuilder b(o);
  for (int i = 0; i < records; ++i) b.add(1000 + i, std::nullopt, std::string_view("value"));
  return b.build();
}

std::vector<uint8_t> HandlersTest::producer_batch(int records, int64_t producer_id, int16_t epoch, int32_t sequence,
                                                  bool transactional) {
  protocol::BatchOptions o;
  o.producer_id = producer_id;
  o.producer_epoch = epoch;
  o.base_sequence = sequence;
  o.transactional = transactional;
  protocol::RecordBatchBuilder b(o);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (int i = 0; i < records; ++i) b.add(now, std::nullopt, std::string_view("value"));
  return b.build();
}

Answer HandlersTest::produce(const std::string& topic, std::vector<uint8_t>& data, int16_t acks, int16_t v,
                             std::optional<std::string> transactional_id) {
  protocol::ProduceRequest req;
  req.transactional_id = std::move(transactional_id);
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

protocol::ProduceResponse HandlersTest::decode_produce(const Answer& a, int16_t v) {
  auto bytes = flatten(a.response);
  protocol::Reader r(bytes.data() + 8, bytes.size() - 8);  // size + header v0
  protocol::ProduceResponse resp;
  EXPECT_TRUE(resp.decode(r, v));
  return resp;
}

}  // namespace fjord::broker
