// A Clock whose Sleep advances time instantly and records what was asked.
#pragma once

#include <mutex>
#include <vector>

#include "util/clock.h"

namespace certpilot::testing {

class FakeClock : public Clock {
 public:
  explicit FakeClock(TimePoint start = std::chrono::system_clock::now())
      : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard<std::mutex> l(mu_);
    return now_;
  }
  void Sleep(Duration d) override {
    std::lock_guard<std::mutex> l(mu_);
    now_ += d;
    sleeps_.push_back(d);
  }
  void Advance(Duration d) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += d;
  }
  std::vector<Duration> sleeps() const {
    std::lock_guard<std::mutex> l(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  std::vector<Duration> sleeps_;
};

}  // namespace certpilot::testing
