#include <gtest/gtest.h>

#include "broker/net/response_queue.h"

namespace fjord::broker {
namespace {

OutgoingResponse tagged(uint8_t tag) {
  OutgoingResponse r;
  r.data.i8(static_cast<int8_t>(tag));
  return r;
}

uint8_t tag_of(const OutgoingResponse& r) { return r.data.buffer().at(0); }

TEST(ResponseQueue, ReleasesInRequestOrderWhenFilledOutOfOrder) {
  ResponseQueue q;
  auto a = q.reserve(), b = q.reserve(), c = q.reserve();
  bool close = false;
  ASSERT_TRUE(q.fill(c, SlotOutcome::respond, tagged(3)));
  EXPECT_FALSE(q.pop_ready(&close));
  ASSERT_TRUE(q.fill(b, SlotOutcome::respond, tagged(2)));
  EXPECT_FALSE(q.pop_ready(&close));
  ASSERT_TRUE(q.fill(a, SlotOutcome::respond, tagged(1)));
  auto r1 = q.pop_ready(&close);
  auto r2 = q.pop_ready(&close);
  auto r3 = q.pop_ready(&close);
  ASSERT_TRUE(r1 && r2 && r3);
  EXPECT_EQ(tag_of(*r1), 1);
  EXPECT_EQ(tag_of(*r2), 2);
  EXPECT_EQ(tag_of(*r3), 3);
  EXPECT_TRUE(q.empty());
}

TEST(ResponseQueue, SilentSlotsAreSkippedAndCloseStops) {
  ResponseQueue q;
  auto a = q.reserve(), b = q.reserve(), c = q.reserve(), d = q.reserve();
  q.fill(a, SlotOutcome::silent);
  q.fill(b, SlotOutcome::respond, tagged(2));
  q.fill(c, SlotOutcome::close);
  q.fill(d, SlotOutcome::respond, tagged(4));
  bool close = false;
  auto r = q.pop_ready(&close);
  ASSERT_TRUE(r);
  EXPECT_EQ(tag_of(*r), 2);
  EXPECT_FALSE(q.pop_ready(&close));
  EXPECT_TRUE(close);
}

TEST(ResponseQueue, RejectsDoubleAndUnknownFills) {
  ResponseQueue q;
  auto a = q.reserve();
  EXPECT_TRUE(q.fill(a, SlotOutcome::respond, tagged(1)));
  EXPECT_FALSE(q.fill(a, SlotOutcome::respond, tagged(1)));
  EXPECT_FALSE(q.fill(a + 1, SlotOutcome::respond, tagged(1)));
  bool close;
  EXPECT_TRUE(q.pop_ready(&close));
  EXPECT_FALSE(q.fill(a, SlotOutcome::respond, tagged(1)));  // already released
  auto b = q.reserve();
  EXPECT_EQ(b, a + 1);
}

}  // namespace
}  // namespace fjord::broker
