#include "acme/retry_policy.h"

#include <gtest/gtest.h>

namespace certpilot::acme {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RetryAfter, ParsesSecondsAndDates) {
  TimePoint now = std::chrono::system_clock::from_time_t(
      784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(ParseRetryAfter("120", now), seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 7 ", now), seconds(7));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:50:37 GMT", now), seconds(60));
  EXPECT_FALSE(ParseRetryAfter("Sun, 06 Nov 1994 08:40:00 GMT", now));  // past
  EXPECT_FALSE(ParseRetryAfter("-5", now));
  EXPECT_FALSE(ParseRetryAfter("soon", now));
  EXPECT_FALSE(ParseRetryAfter("", now));
}

TEST(PollDelay, GrowsAndIsCapped) {
  RetryPolicy p;
  milliseconds d = p.poll_initial;
  EXPECT_EQ(d, milliseconds(10));
  for (int i = 0; i < 50; ++i) {
    milliseconds next = NextPollDelay(p, d, std::nullopt);
    EXPECT_GE(next, d);
    d = next;
  }
  EXPECT_EQ(d, p.poll_max);
}

TEST(PollDelay, RetryAfterIsHonouredButClamped) {
  RetryPolicy p;
  EXPECT_EQ(NextPollDelay(p, milliseconds(50), seconds(2)), milliseconds(2000));
  EXPECT_EQ(NextPollDelay(p, milliseconds(50), seconds(86400)),
            p.retry_after_cap);
  EXPECT_EQ(NextPollDelay(p, milliseconds(50), seconds(0)), p.poll_initial);
}

}  // namespace
}  // namespace certpilot::acme
