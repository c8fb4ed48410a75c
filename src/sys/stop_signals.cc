#include "sys/stop_signals.h"

#include <cerrno>
#include <ctime>

#include "sys/sys_error.h"

namespace certpilot::sys {

StopSignals::StopSignals() {
  sigemptyset(&stop_);
  sigaddset(&stop_, SIGTERM);
  sigaddset(&stop_, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &stop_, &previous_);
}

StopSignals::~StopSignals() {
  ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

bool StopSignals::WaitFor(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
        deadline - std::chrono::steady_clock::now());
    timespec ts{};
    if (left.count() > 0) {
      ts.tv_sec = static_cast<time_t>(left.count() / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
    }
    if (::sigtimedwait(&stop_, nullptr, &ts) >= 0) return true;
    if (errno == EAGAIN) return false;
    if (errno != EINTR) throw SysError("sigtimedwait", "", errno);
  }
}

}  // namespace certpilot::sys
