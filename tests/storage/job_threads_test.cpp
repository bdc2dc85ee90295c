#include "storage/job_threads.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

namespace fjord::storage {
namespace {

TEST(JobThreads, OneThreadRunsJobsInOrderOnItsOwnThread) {
  JobThreads worker("test", 1);
  std::vector<int> order;
  std::promise<std::thread::id> last;
  for (int i = 0; i < 100; ++i) worker.post([&order, i] { order.push_back(i); });
  worker.post([&] { last.set_value(std::this_thread::get_id()); });
  EXPECT_NE(last.get_future().get(), std::this_thread::get_id());
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[size_t(i)], i);
}

TEST(JobThreads, StopWaitsForTheJobInHandAndLaterJobsAreDropped) {
  JobThreads worker("test", 1);
  std::promise<void> started, release;
  bool done = false;
  worker.post([&] {
    started.set_value();
    release.get_future().wait();
    done = true;
  });
  started.get_future().wait();
  std::thread stopper([&] { worker.stop(); });
  release.set_value();
  stopper.join();
  EXPECT_TRUE(done);
  auto captured = std::make_shared<int>(0);
  bool ran = false;
  worker.post([&ran, captured] { ran = true; });
  EXPECT_FALSE(ran);
  EXPECT_EQ(captured.use_count(), 1);  // dropped and destroyed: a Responder in it closes its connection
  worker.stop();  // idempotent
}

}  // namespace
}  // namespace fjord::storage
