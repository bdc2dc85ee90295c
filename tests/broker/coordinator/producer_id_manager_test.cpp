#include "broker/coordinator/producer_id_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fjord::broker::coordinator {
namespace {

namespace fs = std::filesystem;

class ProducerIdManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fjord-pid-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / FileProducerIdBlockStore::kFileName).string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<ProducerIdManager> manager(int64_t block = 1000) {
    return std::make_unique<ProducerIdManager>(3, std::make_unique<FileProducerIdBlockStore>(path_), block);
  }
  std::string file() {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
  std::string path_;
};

TEST_F(ProducerIdManagerTest, HandsOutConsecutiveIdsFromTheFirstBlock) {
  auto m = manager();
  for (int64_t want = 0; want < 5; ++want) {
    int64_t id = -1;
    ASSERT_TRUE(m->generate(&id));
    EXPECT_EQ(id, want);
  }
  // Kafka's /latest_producer_id_block JSON.
  EXPECT_EQ(file(), R"({"version":1,"broker":3,"block_start":"0","block_end":"999"})");
}

TEST_F(ProducerIdManagerTest, ClaimsTheNextBlockWhenOneRunsOut) {
  auto m = manager(3);
  int64_t id = -1;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(m->generate(&id));
  EXPECT_EQ(id, 3);
  EXPECT_EQ(file(), R"({"version":1,"broker":3,"block_start":"3","block_end":"5"})");
}

TEST_F(ProducerIdManagerTest, NeverReusesIdsAfterARestart) {
  int64_t id = -1;
  ASSERT_TRUE(manager()->generate(&id));
  EXPECT_EQ(id, 0);
  ASSERT_TRUE(manager()->generate(&id));
  EXPECT_EQ(id, 1000);
  ASSERT_TRUE(manager()->generate(&id));
  EXPECT_EQ(id, 2000);
}

TEST_F(ProducerIdManagerTest, ReadsKafkasNumericFormToo) {
  std::ofstream(path_) << R"({"version":1,"broker":1,"block_start":5000,"block_end":5999})";
  int64_t id = -1;
  ASSERT_TRUE(manager()->generate(&id));
  EXPECT_EQ(id, 6000);
}

TEST_F(ProducerIdManagerTest, RefusesToGuessOverAnUnreadableFile) {
  std::ofstream(path_) << "garbage";
  int64_t id = -1;
  EXPECT_FALSE(manager()->generate(&id));
}

}  // namespace
}  // namespace fjord::broker::coordinator
