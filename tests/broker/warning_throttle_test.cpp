#include "broker/dispatch/warning_throttle.h"

#include <gtest/gtest.h>

namespace fjord::broker {
namespace {

using std::chrono::seconds;

TEST(WarningThrottle, OnePerKeyAndPeriodWithTheCountLeftOut) {
  WarningThrottle throttle(seconds(60));
  const auto t0 = WarningThrottle::Clock::time_point{} + seconds(1000);
  EXPECT_EQ(throttle.admit(11, t0), 0u);  // first: logged
  EXPECT_EQ(throttle.admit(11, t0 + seconds(1)), std::nullopt);
  EXPECT_EQ(throttle.admit(11, t0 + seconds(30)), std::nullopt);
  EXPECT_EQ(throttle.admit(11, t0 + seconds(59)), std::nullopt);
  EXPECT_EQ(throttle.admit(12, t0 + seconds(59)), 0u);  // keys are independent
  EXPECT_EQ(throttle.admit(11, t0 + seconds(60)), 3u);  // a period later: logged with the count
  EXPECT_EQ(throttle.admit(11, t0 + seconds(61)), std::nullopt);
  EXPECT_EQ(throttle.admit(11, t0 + seconds(500)), 1u);
  EXPECT_EQ(throttle.admit(11, t0 + seconds(600)), 0u);  // a quiet period: nothing was left out
  EXPECT_EQ(throttle.admit(-1, t0), 0u);
}

}  // namespace
}  // namespace fjord::broker
