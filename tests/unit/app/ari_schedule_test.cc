// The ARI scheduling decision (app/rules/ari_schedule.h) on a fixed clock
// and a fixed random value: windows in the past, the future and around now,
// nothing stored, Retry-After caching, and a window that did not move.
#include "app/rules/ari_schedule.h"

#include <gtest/gtest.h>

namespace certpilot::app {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const TimePoint kNow = TimePoint(seconds(1767225600));  // 2026-01-01T00:00Z
const std::string kCert = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";

std::function<double()> Fixed(double value) {
  return [value] { return value; };
}

// For decisions that must not draw a new point.
double MustNotDraw() {
  ADD_FAILURE() << "random() called";
  return 0.0;
}

AriAnswer Window(TimePoint start, TimePoint end,
                 std::optional<seconds> retry_after = std::nullopt) {
  AriAnswer a;
  a.info.window_start = start;
  a.info.window_end = end;
  a.retry_after = retry_after;
  return a;
}

TEST(DecideAri, NothingStoredAndNoAnswerAsksTheCa) {
  AriDecision d =
      DecideAri(std::nullopt, kCert, std::nullopt, kNow, MustNotDraw);
  EXPECT_EQ(d.action, AriAction::kAskCa);
  EXPECT_FALSE(d.state_changed);
}

TEST(DecideAri, StateOfAnotherCertificateIsNotUsed) {
  AriState other{"other.id", kNow - hours(48), kNow - hours(24),
                 kNow - hours(36), kNow + hours(5)};
  EXPECT_EQ(DecideAri(other, kCert, std::nullopt, kNow, MustNotDraw).action,
            AriAction::kAskCa);
  // With an answer, its old point is not kept either: a new one is drawn.
  AriDecision d =
      DecideAri(other, kCert, Window(kNow - hours(48), kNow - hours(24)), kNow,
                Fixed(0.5));
  EXPECT_EQ(d.state.cert_id, kCert);
  EXPECT_EQ(d.state.selected, kNow - hours(36));
}

TEST(DecideAri, WindowInThePastRenewsNow) {
  AriDecision d =
      DecideAri(std::nullopt, kCert, Window(kNow - hours(48), kNow - hours(24)),
                kNow, Fixed(0.25));
  EXPECT_EQ(d.action, AriAction::kRenewNow);
  EXPECT_TRUE(d.state_changed);
  EXPECT_EQ(d.state.cert_id, kCert);
  EXPECT_EQ(d.state.window_start, kNow - hours(48));
  EXPECT_EQ(d.state.window_end, kNow - hours(24));
  EXPECT_EQ(d.state.selected, kNow - hours(42));
}

TEST(DecideAri, WindowInTheFutureIsNotDueAndChecksAgainLater) {
  AriDecision d =
      DecideAri(std::nullopt, kCert,
                Window(kNow + hours(240), kNow + hours(288)), kNow, Fixed(0.5));
  EXPECT_EQ(d.action, AriAction::kNotDue);
  EXPECT_EQ(d.state.selected, kNow + hours(264));
  EXPECT_EQ(d.state.next_check, kNow + kAriDefaultRecheck);
}

TEST(DecideAri, WindowAroundNowDependsOnTheRandomPoint) {
  const AriAnswer around = Window(kNow - hours(24), kNow + hours(24));
  AriDecision early = DecideAri(std::nullopt, kCert, around, kNow, Fixed(0.25));
  EXPECT_EQ(early.state.selected, kNow - hours(12));
  EXPECT_EQ(early.action, AriAction::kRenewNow);
  AriDecision late = DecideAri(std::nullopt, kCert, around, kNow, Fixed(0.75));
  EXPECT_EQ(late.state.selected, kNow + hours(12));
  EXPECT_EQ(late.action, AriAction::kNotDue);
  // The chosen moment itself counts as come.
  EXPECT_EQ(DecideAri(std::nullopt, kCert, around, kNow, Fixed(0.5)).action,
            AriAction::kRenewNow);
}

TEST(DecideAri, StoredStateIsUsedUntilItsNextCheck) {
  AriState stored{kCert, kNow + hours(240), kNow + hours(288),
                  kNow + hours(264), kNow + hours(6)};
  AriDecision d = DecideAri(stored, kCert, std::nullopt, kNow, MustNotDraw);
  EXPECT_EQ(d.action, AriAction::kNotDue);
  EXPECT_FALSE(d.state_changed);
  EXPECT_EQ(d.state.selected, stored.selected);
  EXPECT_EQ(DecideAri(stored, kCert, std::nullopt, kNow + hours(5), MustNotDraw)
                .action,
            AriAction::kNotDue);
  EXPECT_EQ(DecideAri(stored, kCert, std::nullopt, kNow + hours(6), MustNotDraw)
                .action,
            AriAction::kAskCa);
  // A stored point that has come renews without asking.
  stored.selected = kNow - hours(1);
  EXPECT_EQ(DecideAri(stored, kCert, std::nullopt, kNow, MustNotDraw).action,
            AriAction::kRenewNow);
}

TEST(DecideAri, RetryAfterSetsTheNextCheckInWholeHoursWithinLimits) {
  auto next_check = [](std::optional<seconds> retry_after) {
    return DecideAri(std::nullopt, kCert,
                     Window(kNow + hours(240), kNow + hours(288), retry_after),
                     kNow, Fixed(0.5))
               .state.next_check -
           kNow;
  };
  EXPECT_EQ(next_check(std::nullopt), hours(6));
  EXPECT_EQ(next_check(seconds(21600)), hours(6));
  EXPECT_EQ(next_check(seconds(5400)), hours(1));      // whole hours
  EXPECT_EQ(next_check(seconds(30)), kAriMinRecheck);  // never hammer
  EXPECT_EQ(next_check(seconds(0)), kAriMinRecheck);
  EXPECT_EQ(next_check(seconds(3 * 86400)), kAriMaxRecheck);
}

TEST(DecideAri, AnUnmovedWindowKeepsItsPoint) {
  AriState stored{kCert, kNow + hours(240), kNow + hours(288),
                  kNow + hours(250), kNow - hours(1)};
  AriDecision d =
      DecideAri(stored, kCert, Window(kNow + hours(240), kNow + hours(288)),
                kNow, MustNotDraw);
  EXPECT_EQ(d.state.selected, kNow + hours(250));
  EXPECT_EQ(d.state.next_check, kNow + kAriDefaultRecheck);
  EXPECT_TRUE(d.state_changed);
  // A moved window draws a new point.
  d = DecideAri(stored, kCert, Window(kNow - hours(2), kNow + hours(2)), kNow,
                Fixed(0.0));
  EXPECT_EQ(d.state.selected, kNow - hours(2));
  EXPECT_EQ(d.action, AriAction::kRenewNow);
}

}  // namespace
}  // namespace certpilot::app
