#include <gtest/gtest.h>

#include "broker/fetch/partition_waiters.h"

namespace fjord::broker {
namespace {

struct CountingWaiter : FetchWaiter {
  int woken = 0;
  void wake() override { ++woken; }
};

TEST(PartitionWaiters, NotifyWakesOnlyThatPartitionOnce) {
  PartitionWaiters w;
  auto a = std::make_shared<CountingWaiter>();
  auto b = std::make_shared<CountingWaiter>();
  w.add("t", 0, a);
  w.add("t", 1, b);
  w.notify("t", 0);
  EXPECT_EQ(a->woken, 1);
  EXPECT_EQ(b->woken, 0);
  w.notify("t", 0);  // already removed
  EXPECT_EQ(a->woken, 1);
  w.notify_all();
  EXPECT_EQ(b->woken, 1);
  EXPECT_EQ(w.size(), 0u);
}

TEST(PartitionWaiters, ExpiredWaitersAreDropped) {
  PartitionWaiters w;
  {
    auto a = std::make_shared<CountingWaiter>();
    w.add("t", 0, a);
  }
  auto b = std::make_shared<CountingWaiter>();
  w.add("t", 0, b);
  EXPECT_EQ(w.size(), 1u);
  w.notify("t", 0);
  EXPECT_EQ(b->woken, 1);
}

}  // namespace
}  // namespace fjord::broker

namespace fjord::broker {
namespace {

TEST(PartitionWaiters, ReRegisteringKeepsOneEntry) {
  PartitionWaiters w;
  auto a = std::make_shared<CountingWaiter>();
  w.add("t", 0, a);
  w.add("t", 0, a);
  EXPECT_EQ(w.size(), 1u);
  w.notify("t", 0);
  EXPECT_EQ(a->woken, 1);
}

}  // namespace
}  // namespace fjord::broker
