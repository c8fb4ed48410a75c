// The backoff schedule for failing lineages (app/rules/backoff.h): 1 h, 2 h,
// 4 h ... a day, never past a quarter of the remaining lifetime; the count
// starts again after a success, a forced attempt or a new certificate.
#include "app/rules/backoff.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

namespace certpilot::app {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(std::chrono::seconds(1767225600));
const TimePoint kFarAway = kStart + hours(24 * 365);

TEST(Backoff, DelayDoublesFromAnHourUpToADay) {
  const std::vector<hours> expected = {hours(1),  hours(2),  hours(4),
                                       hours(8),  hours(16), hours(24),
                                       hours(24), hours(24)};
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(RetryDelay(int(i) + 1, kFarAway, kStart), expected[i])
        << "failure " << i + 1;
  EXPECT_EQ(RetryDelay(1000, kFarAway, kStart), hours(24));
}

TEST(Backoff, DelayNeverPassesAQuarterOfTheRemainingLifetime) {
  // 40 hours left: at most 10 hours, whatever the count.
  EXPECT_EQ(RetryDelay(1, kStart + hours(40), kStart), hours(1));
  EXPECT_EQ(RetryDelay(4, kStart + hours(40), kStart), hours(8));
  EXPECT_EQ(RetryDelay(5, kStart + hours(40), kStart), hours(10));
  EXPECT_EQ(RetryDelay(9, kStart + hours(40), kStart), hours(10));
  // Expired: no waiting at all.
  EXPECT_EQ(RetryDelay(3, kStart - hours(1), kStart), seconds(0));
  EXPECT_EQ(RetryDelay(3, kStart, kStart), seconds(0));
}

TEST(Backoff, FailuresCountOnAndTheLineageWaits) {
  testing::FakeClock clock(kStart);
  std::optional<RenewalHistory> h;
  std::vector<TimePoint> attempts;
  // Each retry at the first moment it is allowed: 1, 2, 4, 8, 16, 24, 24 h.
  for (int i = 1; i <= 7; ++i) {
    EXPECT_EQ(BackedOffUntil(h, "0a", clock.Now()), std::nullopt) << i;
    h = RecordFailure(h, "0a", kFarAway, clock.Now(), "refused", false);
    EXPECT_EQ(h->failures, i);
    EXPECT_FALSE(h->last_succeeded);
    EXPECT_EQ(h->last_attempt, clock.Now());
    attempts.push_back(clock.Now());
    // One second before: still held back, until the next attempt.
    std::optional<TimePoint> until = BackedOffUntil(h, "0a", clock.Now());
    ASSERT_TRUE(until);
    EXPECT_EQ(*until, h->next_attempt);
    clock.Advance(
        std::chrono::duration_cast<Duration>(h->next_attempt - clock.Now()) -
        seconds(1));
    EXPECT_EQ(BackedOffUntil(h, "0a", clock.Now()), h->next_attempt);
    clock.Advance(seconds(1));
  }
  std::vector<hours> gaps;
  for (size_t i = 1; i < attempts.size(); ++i)
    gaps.push_back(
        std::chrono::duration_cast<hours>(attempts[i] - attempts[i - 1]));
  EXPECT_EQ(gaps, (std::vector<hours>{hours(1), hours(2), hours(4), hours(8),
                                      hours(16), hours(24)}));
}

TEST(Backoff, SuccessForceAndANewCertificateStartAgain) {
  std::optional<RenewalHistory> h;
  for (int i = 0; i < 3; ++i)
    h = RecordFailure(h, "0a", kFarAway, kStart, "refused", false);
  ASSERT_EQ(h->failures, 3);
  EXPECT_EQ(h->next_attempt, kStart + hours(4));

  // Forced: counted as the first failure again.
  RenewalHistory forced =
      RecordFailure(h, "0a", kFarAway, kStart, "refused", true);
  EXPECT_EQ(forced.failures, 1);
  EXPECT_EQ(forced.next_attempt, kStart + hours(1));

  // The lineage holds another certificate now (certonly renewed it): the
  // old failures hold nothing back and the count starts again.
  EXPECT_EQ(BackedOffUntil(h, "0b", kStart), std::nullopt);
  EXPECT_EQ(CurrentFailures(h, "0b"), std::nullopt);
  EXPECT_EQ(RecordFailure(h, "0b", kFarAway, kStart, "x", false).failures, 1);

  RenewalHistory ok = RecordSuccess("0c", kStart + hours(5));
  EXPECT_TRUE(ok.last_succeeded);
  EXPECT_EQ(ok.failures, 0);
  EXPECT_EQ(ok.serial, "0c");
  EXPECT_EQ(ok.last_attempt, kStart + hours(5));
  EXPECT_EQ(BackedOffUntil(ok, "0c", kStart), std::nullopt);
  EXPECT_EQ(CurrentFailures(ok, "0c"), std::nullopt);
  EXPECT_EQ(RecordFailure(ok, "0c", kFarAway, kStart, "x", false).failures, 1);
}

TEST(Backoff, ReasonIsStrippedAndCut) {
  RenewalHistory h = RecordFailure(std::nullopt, "0a", kFarAway, kStart,
                                   "bad\x1b[31m\nthing\x7f", false);
  EXPECT_EQ(h.reason, "bad?[31m?thing?");
  // A long reason is cut at a character boundary (é is two bytes).
  std::string long_reason = "x";
  for (size_t i = 0; i < kMaxReasonBytes; ++i) long_reason += "\xc3\xa9";
  h = RecordFailure(std::nullopt, "0a", kFarAway, kStart, long_reason, false);
  EXPECT_LE(h.reason.size(), kMaxReasonBytes + 3);
  EXPECT_EQ(h.reason.substr(h.reason.size() - 3), "...");
  std::string kept = h.reason.substr(0, h.reason.size() - 3);
  EXPECT_EQ(kept.size() % 2, 1u);  // "x" and whole "é"s
  EXPECT_EQ(kept.substr(kept.size() - 2), "\xc3\xa9");
}

TEST(Backoff, Description) {
  RenewalFailure one{1, kStart, "connection refused", kStart + hours(1)};
  EXPECT_EQ(DescribeBackoff(one),
            "its last renewal attempt failed at 2026-01-01T00:00:00Z: "
            "connection refused; next attempt after 2026-01-01T01:00:00Z "
            "(--force-renewal tries now)");
  RenewalFailure three{3, kStart, "x", kStart + hours(4)};
  EXPECT_EQ(DescribeBackoff(three),
            "its last 3 renewal attempts failed, the last at "
            "2026-01-01T00:00:00Z: x; next attempt after 2026-01-01T04:00:00Z "
            "(--force-renewal tries now)");
}

}  // namespace
}  // namespace certpilot::app
