// The coordinator runtime over a real LogManager: writes become durable
// records and then complete, shards reload by replaying their partition,
// requests to unloaded shards get NOT_COORDINATOR, timers fire on the shard.
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "broker/coordinator/coordinator_runtime.h"
#include "storage/log/log_manager.h"
#include "../../storage/test_support.h"

namespace fjord::broker::coordinator {
namespace {

class CountingShard : public CoordinatorShard {
 public:
  explicit CountingShard(ShardServices& s) : services(s) {}
  void replay(const RecordView& r) override {
    ++replayed;
    last_key.assign(r.key.begin(), r.key.end());
    tombstones += r.value ? 0 : 1;
  }
  void on_loaded() override { loaded = true; }
  void on_unloaded() override {}
  ShardServices& services;
  int replayed = 0;
  int tombstones = 0;
  std::string last_key;
  bool loaded = false;
};

struct RuntimeFixture : ::testing::Test {
  storage::test::TempDir dir;
  std::unique_ptr<storage::LogManager> logs;
  LocalLeadership leadership;
  std::unique_ptr<CoordinatorRuntime> runtime;

  void SetUp() override {
    storage::StorageConfig c;
    c.log_dirs = {dir.path()};
    logs = std::make_unique<storage::LogManager>(c);
    ASSERT_EQ(logs->open(), storage::Errc::ok);
    storage::TopicInfo info;
    std::string msg;
    ASSERT_EQ(logs->create_topic("__coord", 2, {{"cleanup.policy", "compact"}}, &info, &msg), storage::Errc::ok);
    start_runtime();
  }
  void TearDown() override {
    runtime.reset();
    logs->shutdown();
  }
  void start_runtime() {
    CoordinatorRuntime::Options o;
    o.name = "test";
    o.topic = "__coord";
    o.partitions = 2;
    runtime = std::make_unique<CoordinatorRuntime>(*logs, leadership, o, [](ShardServices& s, int32_t) {
      return std::make_unique<CountingShard>(s);
    });
    runtime->start();
    ASSERT_TRUE(runtime->wait_loaded(std::chrono::seconds(10)));
  }
  // Runs fn on partition p's shard and waits for its result.
  template <typename T>
  T on_shard(int32_t p, std::function<T(CountingShard&)> fn) {
    std::promise<T> result;
    runtime->submit(p, [&](CoordinatorShard* s, int16_t err) {
      EXPECT_EQ(err, 0);
      result.set_value(fn(*static_cast<CountingShard*>(s)));
    });
    return result.get_future().get();
  }
  int16_t write(int32_t p, std::vector<CoordinatorRecord> records, bool replay = true) {
    std::promise<int16_t> done;
    runtime->submit(p, [&](CoordinatorShard* s, int16_t err) {
      if (!s) return done.set_value(err);
      static_cast<CountingShard*>(s)->services.write(std::move(records), replay,
                                                     [&](int16_t e) { done.set_value(e); });
    });
    return done.get_future().get();
  }
  static CoordinatorRecord record(const std::string& key, std::optional<std::string> value) {
    CoordinatorRecord r{{key.begin(), key.end()}, std::nullopt};
    if (value) r.value = std::vector<uint8_t>(value->begin(), value->end());
    return r;
  }
};

TEST_F(RuntimeFixture, WritesAreAppliedOnceDurableAndReplayedOnLoad) {
  EXPECT_TRUE(on_shard<bool>(0, [](CountingShard& s) { return s.loaded; }));
  EXPECT_EQ(write(0, {record("a", "1"), record("b", "2"), record("c", std::nullopt)}), 0);
  EXPECT_EQ(on_shard<int>(0, [](CountingShard& s) { return s.replayed; }), 3);
  EXPECT_EQ(logs->partition("__coord", 0)->log_end_offset(), 3);
  EXPECT_EQ(write(0, {record("d", "4")}, /*replay=*/false), 0);
  EXPECT_EQ(on_shard<int>(0, [](CountingShard& s) { return s.replayed; }), 3);
  EXPECT_EQ(write(0, {}), 0);  // nothing to write: completes after the earlier ones

  runtime->unload(0);
  EXPECT_EQ(write(0, {record("x", "y")}), 16);  // NOT_COORDINATOR
  runtime->load(0);
  ASSERT_TRUE(runtime->wait_loaded(std::chrono::seconds(10)));
  EXPECT_EQ(runtime->status(0), 0);
  // Loading replays the whole partition, through the same replay().
  EXPECT_EQ(on_shard<int>(0, [](CountingShard& s) { return s.replayed; }), 4);
  EXPECT_EQ(on_shard<int>(0, [](CountingShard& s) { return s.tombstones; }), 1);
  EXPECT_EQ(on_shard<std::string>(0, [](CountingShard& s) { return s.last_key; }), "d");
  EXPECT_EQ(on_shard<int>(1, [](CountingShard& s) { return s.replayed; }), 0);
}

TEST_F(RuntimeFixture, RestartReloadsFromTheLog) {
  EXPECT_EQ(write(1, {record("k", "v")}), 0);
  runtime.reset();
  start_runtime();
  EXPECT_EQ(on_shard<int>(1, [](CountingShard& s) { return s.replayed; }), 1);
}

TEST_F(RuntimeFixture, UnknownPartitionsAreNotCoordinated) {
  EXPECT_EQ(runtime->status(2), 16);
  EXPECT_EQ(runtime->status(-1), 16);
  std::promise<int16_t> p;
  runtime->submit(7, [&](CoordinatorShard* s, int16_t e) { p.set_value(s ? 0 : e); });
  EXPECT_EQ(p.get_future().get(), 16);
}

TEST_F(RuntimeFixture, TimersRunOnTheShardAndCanBeReplacedOrCancelled) {
  std::promise<std::string> fired;
  runtime->submit(0, [&](CoordinatorShard* s, int16_t) {
    auto& services = static_cast<CountingShard*>(s)->services;
    services.schedule("t", 50, [&] { fired.set_value("first"); });
    services.schedule("t", 10, [&] { fired.set_value("replaced"); });
    services.schedule("u", 5, [&] { fired.set_value("cancelled"); });
    services.cancel("u");
  });
  auto f = fired.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f.get(), "replaced");
  std::this_thread::sleep_for(std::chrono::milliseconds(80));  // the first one never fires
}

}  // namespace
}  // namespace fjord::broker::coordinator
