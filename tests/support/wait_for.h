// WaitFor: polls `done` in real time until it returns true or `timeout`
// passes — the "eventually" of tests that watch a server, a file or a
// process (no fixed sleeps: pauses of 5 ms, doubling up to 100 ms). Returns
// whether `done` became true. Exceptions from `done` propagate.
#pragma once

#include <chrono>
#include <functional>

#include "util/clock.h"
#include "util/poll.h"

namespace certpilot::testing {

inline bool WaitFor(
    const std::function<bool()>& done,
    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  SystemClock clock;
  return PollUntil(clock, clock.Now() + timeout,
                   {.interval = std::chrono::milliseconds(5),
                    .max_interval = std::chrono::milliseconds(100)},
                   done);
}

}  // namespace certpilot::testing
