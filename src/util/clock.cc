#include "util/clock.h"

#include <ctime>
#include <thread>

namespace certpilot {

TimePoint SystemClock::Now() const { return std::chrono::system_clock::now(); }

void SystemClock::Sleep(Duration d) { std::this_thread::sleep_for(d); }

long long UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}

TimePoint FromUnixSeconds(long long seconds) {
  return TimePoint(std::chrono::seconds(seconds));
}

std::string FormatRfc3339(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace certpilot
