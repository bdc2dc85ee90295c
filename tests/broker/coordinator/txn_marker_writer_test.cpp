// TxnMarkerWriter over a real LogManager: markers are control batches of the
// producer appended to each partition and durable before the callback; a
// partition that is gone needs none; __consumer_offsets markers go through
// the group coordinator's runtime, which replays them live and on load.
#include <gtest/gtest.h>

#include <future>

#include "../../storage/test_support.h"
#include "broker/coordinator/coordinator_runtime.h"
#include "broker/coordinator/txn_marker_writer.h"
#include "broker/topics/internal_topics.h"
#include "storage/log/log_batch_reader.h"
#include "storage/log/log_manager.h"

namespace fjord::broker::coordinator {
namespace {

class MarkerShard : public CoordinatorShard {
 public:
  void replay(const RecordView& r) override { producers.push_back(r.producer_id); }
  void replay_end_txn(int64_t producer_id, bool commit) override { markers.emplace_back(producer_id, commit); }
  void on_loaded() override {}
  void on_unloaded() override {}
  std::vector<int64_t> producers;
  std::vector<std::pair<int64_t, bool>> markers;
};

struct MarkerFixture : ::testing::Test {
  storage::test::TempDir dir;
  std::unique_ptr<storage::LogManager> logs;
  LocalLeadership leadership;
  std::unique_ptr<CoordinatorRuntime> offsets;
  std::vector<std::string> woken;
  std::mutex mu;
  std::unique_ptr<TxnMarkerWriter> writer;

  void SetUp() override {
    storage::StorageConfig c;
    c.log_dirs = {dir.path()};
    logs = std::make_unique<storage::LogManager>(c);
    ASSERT_EQ(logs->open(), storage::Errc::ok);
    storage::TopicInfo info;
    std::string msg;
    ASSERT_EQ(logs->create_topic("t", 2, {}, &info, &msg), storage::Errc::ok);
    ASSERT_EQ(logs->create_topic(std::string(kConsumerOffsetsTopic), 1, {{"cleanup.policy", "compact"}}, &info, &msg),
              storage::Errc::ok);
    start_offsets();
    writer = std::make_unique<TxnMarkerWriter>(*logs, [this](const std::string& topic, int32_t p) {
      std::lock_guard lock(mu);
      woken.push_back(topic + "-" + std::to_string(p));
    });
    writer->set_offsets_runtime(offsets.get());
  }
  void TearDown() override {
    writer.reset();
    offsets.reset();
    logs->shutdown();
  }
  void start_offsets() {
    CoordinatorRuntime::Options o;
    o.name = "group";
    o.topic = std::string(kConsumerOffsetsTopic);
    o.partitions = 1;
    offsets = std::make_unique<CoordinatorRuntime>(*logs, leadership, o, [](ShardServices&, int32_t) {
      return std::make_unique<MarkerShard>();
    });
    offsets->start();
    ASSERT_TRUE(offsets->wait_loaded(std::chrono::seconds(10)));
  }
  std::vector<TopicPartition> write(bool commit, std::vector<TopicPartition> parts) {
    std::promise<std::vector<TopicPartition>> done;
    writer->write(TxnProducer{42, 3}, 7, commit, parts, [&](std::vector<TopicPartition> f) { done.set_value(f); });
    auto fut = done.get_future();
    EXPECT_EQ(fut.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return fut.get();
  }
  std::vector<std::pair<int64_t, bool>> shard_markers() {
    std::promise<std::vector<std::pair<int64_t, bool>>> p;
    offsets->submit(0, [&](CoordinatorShard* s, int16_t) { p.set_value(static_cast<MarkerShard*>(s)->markers); });
    return p.get_future().get();
  }
};

TEST_F(MarkerFixture, MarkersAreControlBatchesOfTheProducer) {
  EXPECT_TRUE(write(true, {{"t", 0}, {"t", 1}, {"gone", 0}}).empty());
  for (int32_t p : {0, 1}) {
    auto log = logs->partition("t", p);
    ASSERT_EQ(log->high_watermark(), 1);
    storage::LogBatchReader reader(*log, 0);
    storage::LogBatch batch;
    ASSERT_TRUE(reader.next(&batch));
    EXPECT_TRUE(batch.view.control());
    EXPECT_TRUE(batch.view.transactional());
    EXPECT_EQ(batch.view.producer_id(), 42);
    EXPECT_EQ(batch.view.producer_epoch(), 3);
    protocol::Record r;
    ASSERT_TRUE(reader.next_record(&r));
    ASSERT_EQ(r.key.length(), 4u);
    EXPECT_EQ(r.key.data[3], 1);  // COMMIT
    ASSERT_EQ(r.value.length(), 6u);
    EXPECT_EQ(r.value.data[5], 7);  // coordinator epoch
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(woken.size(), 2u);
}

TEST_F(MarkerFixture, OffsetsMarkersAreReplayedByTheGroupShardLiveAndOnLoad) {
  EXPECT_TRUE(write(false, {{std::string(kConsumerOffsetsTopic), 0}}).empty());
  EXPECT_EQ(shard_markers(), (std::vector<std::pair<int64_t, bool>>{{42, false}}));
  offsets.reset();
  start_offsets();
  writer->set_offsets_runtime(offsets.get());
  EXPECT_EQ(shard_markers(), (std::vector<std::pair<int64_t, bool>>{{42, false}}));
}

}  // namespace
}  // namespace fjord::broker::coordinator
