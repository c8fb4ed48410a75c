#include "util/poll.h"

#include <algorithm>

namespace certpilot {

bool PollUntil(Clock& clock, TimePoint deadline, const PollSchedule& schedule,
               const std::function<bool()>& done,
               const std::function<void(Duration)>& before_pause) {
  Duration interval = std::max(schedule.interval, Duration(1));
  while (!done()) {
    const TimePoint now = clock.Now();
    if (now >= deadline) return false;
    Duration pause = interval;
    if (schedule.clip_to_deadline)
      pause = std::min(pause, std::chrono::ceil<Duration>(deadline - now));
    if (before_pause) before_pause(pause);
    clock.Sleep(pause);
    interval =
        std::min(interval * 2, std::max(schedule.max_interval, interval));
  }
  return true;
}

}  // namespace certpilot
