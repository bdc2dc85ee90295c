// Every message at every valid version: fill every field present in that
// version, encode, check size(), decode, compare, re-encode byte-identically.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "protocol/messages/test/message_list.h"
#include "protocol/wire/reader.h"
#include "protocol/wire/writer.h"
#include "typed_test_names.h"

namespace fjord::protocol {
namespace {

using MessageTypes = test::TupleToTypes<AllMessageTypes>::type;
using MessageName = test::UnqualifiedTypeName;

template <typename M>
class RoundTrip : public ::testing::Test {};
TYPED_TEST_SUITE(RoundTrip, MessageTypes, MessageName);

template <typename M>
void expect_round_trip(const M& original, int16_t version) {
  SCOPED_TRACE("version " + std::to_string(version));
  Writer w;
  original.encode(w, version);
  ASSERT_TRUE(w.splices().empty());
  ASSERT_EQ(original.size(version), w.size());

  Reader r(w.buffer().data(), w.buffer().size());
  M decoded;
  ASSERT_TRUE(decoded.decode(r, version));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(decoded == original);

  Writer again;
  decoded.encode(again, version);
  EXPECT_EQ(again.buffer(), w.buffer());
}

TYPED_TEST(RoundTrip, FilledMessageAtEveryVersion) {
  using M = TypeParam;
  for (int v = M::kLowestVersion; v <= M::kHighestVersion; ++v) {
    for (uint32_t seed : {1u, 7u}) {
      M m;
      fill_for_test(m, static_cast<int16_t>(v), seed);
      expect_round_trip(m, static_cast<int16_t>(v));
    }
  }
}

TYPED_TEST(RoundTrip, DefaultMessageAtEveryVersion) {
  using M = TypeParam;
  for (int v = M::kLowestVersion; v <= M::kHighestVersion; ++v) expect_round_trip(M{}, static_cast<int16_t>(v));
}

// A filled message must encode differently from a default one, or
// fill_for_test is not reaching the fields (and the round trip proves little).
TYPED_TEST(RoundTrip, FillChangesTheEncoding) {
  using M = TypeParam;
  for (int v = M::kLowestVersion; v <= M::kHighestVersion; ++v) {
    M a, b;
    fill_for_test(a, static_cast<int16_t>(v), 1);
    fill_for_test(b, static_cast<int16_t>(v), 2);
    Writer wa, wb, wd;
    a.encode(wa, static_cast<int16_t>(v));
    b.encode(wb, static_cast<int16_t>(v));
    M{}.encode(wd, static_cast<int16_t>(v));
    // Messages with no fields in a version (e.g. ApiVersionsRequest v0) encode alike.
    if (wd.buffer().size() <= 1) continue;
    // Seeds only vary non-bool fields; a lone bool encodes the same for both.
    if (wa.buffer().size() > 4) {
      EXPECT_NE(wa.buffer(), wb.buffer()) << "version " << v;
    }
    EXPECT_NE(wa.buffer(), wd.buffer()) << "version " << v;
  }
}

// Every strict prefix of a valid encoding must be rejected: the decoder reads
// the same fields up to the cut and then needs bytes that are not there.
TYPED_TEST(RoundTrip, EveryTruncationIsRejected) {
  using M = TypeParam;
  for (int v = M::kLowestVersion; v <= M::kHighestVersion; ++v) {
    M m;
    fill_for_test(m, static_cast<int16_t>(v), 3);
    Writer w;
    m.encode(w, static_cast<int16_t>(v));
    const auto& bytes = w.buffer();
    for (size_t len = 0; len < bytes.size(); ++len) {
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
      Reader r(cut.data(), cut.size());
      M decoded;
      ASSERT_FALSE(decoded.decode(r, static_cast<int16_t>(v))) << "version " << v << " length " << len;
      ASSERT_FALSE(r.ok());
    }
  }
}

TYPED_TEST(RoundTrip, UnknownVersionsAreRejected) {
  using M = TypeParam;
  Writer w;
  M{}.encode(w, M::kHighestVersion);
  for (int v : {M::kLowestVersion - 1, M::kHighestVersion + 1, -1, 32767}) {
    if (v >= M::kLowestVersion && v <= M::kHighestVersion) continue;
    Reader r(w.buffer().data(), w.buffer().size());
    M decoded;
    EXPECT_FALSE(decoded.decode(r, static_cast<int16_t>(v))) << v;
    EXPECT_FALSE(r.ok());
  }
}

}  // namespace
}  // namespace fjord::protocol
