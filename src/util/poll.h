// Waiting for something with a deadline: try, and while the answer is "not
// yet", pause and try again until it is or time is up. The one loop behind
// every "wait until" in certpilot (nginx serving a challenge response, an
// nginx reload taking effect, DNS records becoming visible) and in its test
// fixtures. Time and pauses go through the Clock seam, so tests drive it
// with a fake clock and never sleep.
//
// Exceptions thrown by the predicate or the pause callback propagate at
// once. Thread safety: as the Clock and the callbacks are.
#pragma once

#include <functional>

#include "util/clock.h"

namespace certpilot {

struct PollSchedule {
  // The pause after the first try that is not done (at least 1 ms, so a
  // zero interval cannot spin).
  Duration interval{100};
  // Each later pause doubles, up to this. At or below `interval`: every
  // pause is `interval`.
  Duration max_interval{0};
  // true: a pause never runs past the deadline, so the last try comes at
  // the deadline. false: the last pause may overrun it by one interval.
  bool clip_to_deadline = false;
};

// Calls `done` until it returns true, and then returns true. After each try
// that is not done: returns false when the clock has reached `deadline`;
// otherwise calls `before_pause(pause)` (if given) and clock.Sleep(pause).
// `done` runs at least once, even when the deadline has already passed.
bool PollUntil(Clock& clock, TimePoint deadline, const PollSchedule& schedule,
               const std::function<bool()>& done,
               const std::function<void(Duration)>& before_pause = nullptr);

}  // namespace certpilot
