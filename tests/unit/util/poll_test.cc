// PollUntil (util/poll.h) on a fake clock: how often it tries, how long it
// pauses, and where the deadline stops it.
#include "util/poll.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "support/fake_clock.h"

namespace certpilot {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::FakeClock;

TEST(PollUntil, DoneAtOnceNeverPauses) {
  FakeClock clock;
  int tries = 0;
  EXPECT_TRUE(PollUntil(clock, clock.Now() + 1s, {}, [&] {
    ++tries;
    return true;
  }));
  EXPECT_EQ(tries, 1);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(PollUntil, FixedIntervalUntilDone) {
  FakeClock clock;
  int tries = 0;
  EXPECT_TRUE(PollUntil(clock, clock.Now() + 10s, {.interval = 20ms},
                        [&] { return ++tries == 4; }));
  EXPECT_EQ(tries, 4);
  EXPECT_THAT(clock.sleeps(),
              ElementsAre(Duration(20ms), Duration(20ms), Duration(20ms)));
}

TEST(PollUntil, PausesDoubleUpToTheMaximum) {
  FakeClock clock;
  int tries = 0;
  PollSchedule s{.interval = 100ms, .max_interval = 250ms};
  EXPECT_TRUE(
      PollUntil(clock, clock.Now() + 10s, s, [&] { return ++tries == 5; }));
  EXPECT_THAT(clock.sleeps(), ElementsAre(Duration(100ms), Duration(200ms),
                                          Duration(250ms), Duration(250ms)));
}

TEST(PollUntil, UnclippedTriesOnceMoreAfterThePauseThatCrossesTheDeadline) {
  FakeClock clock;
  const TimePoint start = clock.Now();
  int tries = 0;
  EXPECT_FALSE(PollUntil(clock, start + 10s, {.interval = 3s}, [&] {
    ++tries;
    return false;
  }));
  // Tries at 0, 3, 6, 9 and 12 s; the last one is past the deadline.
  EXPECT_EQ(tries, 5);
  EXPECT_EQ(clock.Now() - start, 12s);
}

TEST(PollUntil, ClippedLastPauseEndsAtTheDeadline) {
  FakeClock clock;
  const TimePoint start = clock.Now();
  int tries = 0;
  PollSchedule s{.interval = 1s, .max_interval = 4s, .clip_to_deadline = true};
  EXPECT_FALSE(PollUntil(clock, start + 10s, s, [&] {
    ++tries;
    return false;
  }));
  EXPECT_EQ(tries, 5);  // at 0, 1, 3, 7 and 10 s
  EXPECT_EQ(clock.Now() - start, 10s);
  EXPECT_THAT(clock.sleeps(), ElementsAre(Duration(1s), Duration(2s),
                                          Duration(4s), Duration(3s)));
}

TEST(PollUntil, TriesOnceEvenWhenTheDeadlineHasPassed) {
  FakeClock clock;
  int tries = 0;
  EXPECT_FALSE(PollUntil(clock, clock.Now() - 1s, {}, [&] {
    ++tries;
    return false;
  }));
  EXPECT_EQ(tries, 1);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(PollUntil, AZeroIntervalStillAdvancesTime) {
  FakeClock clock;
  const TimePoint start = clock.Now();
  EXPECT_FALSE(
      PollUntil(clock, start + 5ms, {.interval = 0ms}, [] { return false; }));
  EXPECT_THAT(clock.sleeps(), ::testing::Each(Duration(1ms)));
  EXPECT_EQ(clock.Now() - start, 5ms);
}

TEST(PollUntil, BeforePauseSeesEachPause) {
  FakeClock clock;
  std::vector<Duration> announced;
  int tries = 0;
  PollSchedule s{.interval = 10ms, .max_interval = 40ms};
  EXPECT_TRUE(PollUntil(
      clock, clock.Now() + 1s, s, [&] { return ++tries == 4; },
      [&](Duration d) { announced.push_back(d); }));
  EXPECT_EQ(announced, clock.sleeps());
  EXPECT_THAT(announced,
              ElementsAre(Duration(10ms), Duration(20ms), Duration(40ms)));
}

TEST(PollUntil, ExceptionsFromThePredicatePropagate) {
  FakeClock clock;
  EXPECT_THROW(PollUntil(clock, clock.Now() + 1s, {},
                         []() -> bool { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_TRUE(clock.sleeps().empty());
}

}  // namespace
}  // namespace certpilot
