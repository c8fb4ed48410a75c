// Time as a seam: code that reads the time or waits takes a Clock, so tests
// control both without sleeping (docs/ARCHITECTURE.md, Layers).
#pragma once

#include <chrono>
#include <string>

namespace certpilot {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Blocks the calling thread for `d` (fake clocks just advance).
  virtual void Sleep(Duration d) = 0;
};

// The real clock. Thread-safe.
class SystemClock : public Clock {
 public:
  TimePoint Now() const override;
  void Sleep(Duration d) override;
};

// "2026-11-26T09:25:17Z"
std::string FormatRfc3339(TimePoint t);

// Whole seconds since the epoch, and back: how state files store times.
long long UnixSeconds(TimePoint t);
TimePoint FromUnixSeconds(long long seconds);

}  // namespace certpilot
