#include <gtest/gtest.h>

#include "broker/fetch/fetch_session_cache.h"

namespace fjord::broker {
namespace {

FetchTarget target(const std::string& topic, int32_t p, int64_t offset) {
  FetchTarget t;
  t.key = {topic, p};
  t.fetch_offset = offset;
  t.max_bytes = 1024;
  return t;
}

TEST(FetchSessionCache, SessionlessFullFetch) {
  FetchSessionCache cache;
  auto ctx = cache.open(0, -1, {target("a", 0, 5)}, {});
  EXPECT_EQ(ctx.error, 0);
  EXPECT_EQ(ctx.response_session_id, 0);
  EXPECT_FALSE(ctx.session);
  EXPECT_FALSE(ctx.incremental);
  ASSERT_EQ(ctx.targets.size(), 1u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(FetchSessionCache, CreateThenIncrementalWithForgottenTopics) {
  FetchSessionCache cache;
  auto full = cache.open(0, 0, {target("a", 0, 5), target("b", 1, 7)}, {});
  ASSERT_EQ(full.error, 0);
  ASSERT_NE(full.response_session_id, 0);
  EXPECT_FALSE(full.incremental);
  int32_t id = full.response_session_id;

  // Epoch 1: update a-0's offset, add c-0, forget b-1.
  auto inc = cache.open(id, 1, {target("a", 0, 9), target("c", 0, 0)}, {{"b", 1}});
  ASSERT_EQ(inc.error, 0);
  EXPECT_TRUE(inc.incremental);
  EXPECT_EQ(inc.response_session_id, id);
  ASSERT_EQ(inc.targets.size(), 2u);
  // Rotated by the epoch: epoch 1 starts at the second partition.
  EXPECT_EQ(inc.targets[0].key.topic, "c");
  EXPECT_EQ(inc.targets[1].key.topic, "a");
  EXPECT_EQ(inc.targets[1].fetch_offset, 9);

  // Epoch 2 with no changes still fetches the remembered partitions.
  auto again = cache.open(id, 2, {}, {});
  ASSERT_EQ(again.error, 0);
  ASSERT_EQ(again.targets.size(), 2u);
  EXPECT_EQ(again.targets[0].key.topic, "a");
}

TEST(FetchSessionCache, ErrorsForUnknownIdAndWrongEpoch) {
  FetchSessionCache cache;
  EXPECT_EQ(cache.open(12345, 1, {}, {}).error, FetchSessionCache::kSessionIdNotFound);
  auto full = cache.open(0, 0, {target("a", 0, 0)}, {});
  int32_t id = full.response_session_id;
  EXPECT_EQ(cache.open(id, 5, {}, {}).error, FetchSessionCache::kInvalidEpoch);
  EXPECT_EQ(cache.open(id, 1, {}, {}).error, 0);
  EXPECT_EQ(cache.open(id, 1, {}, {}).error, FetchSessionCache::kInvalidEpoch);  // replay
}

TEST(FetchSessionCache, FinalEpochClosesSession) {
  FetchSessionCache cache;
  int32_t id = cache.open(0, 0, {target("a", 0, 0)}, {}).response_session_id;
  EXPECT_TRUE(cache.contains(id));
  auto ctx = cache.open(id, -1, {target("a", 0, 0)}, {});
  EXPECT_EQ(ctx.error, 0);
  EXPECT_EQ(ctx.response_session_id, 0);
  EXPECT_FALSE(cache.contains(id));
}

TEST(FetchSessionCache, EvictsLeastRecentlyUsed) {
  FetchSessionCache cache(2);
  int32_t a = cache.open(0, 0, {target("a", 0, 0)}, {}).response_session_id;
  int32_t b = cache.open(0, 0, {target("b", 0, 0)}, {}).response_session_id;
  ASSERT_EQ(cache.open(a, 1, {}, {}).error, 0);  // a is now more recent than b
  int32_t c = cache.open(0, 0, {target("c", 0, 0)}, {}).response_session_id;
  EXPECT_TRUE(cache.contains(a));
  EXPECT_FALSE(cache.contains(b));
  EXPECT_TRUE(cache.contains(c));
  EXPECT_EQ(cache.open(b, 1, {}, {}).error, FetchSessionCache::kSessionIdNotFound);
}

TEST(FetchSession, IncrementalResponsesSkipUnchangedPartitions) {
  FetchSessionCache cache;
  auto full = cache.open(0, 0, {target("a", 0, 0)}, {});
  auto& s = *full.session;
  EXPECT_TRUE(s.note_response({"a", 0}, 10, 0, true, false));
  EXPECT_FALSE(s.note_response({"a", 0}, 10, 0, false, false));  // nothing new
  EXPECT_TRUE(s.note_response({"a", 0}, 11, 0, false, false));   // high watermark moved
  EXPECT_TRUE(s.note_response({"a", 0}, 11, 3, false, false));   // log start moved
  EXPECT_TRUE(s.note_response({"a", 0}, 11, 3, false, true));    // error
}

}  // namespace
}  // namespace fjord::broker
