// Waiting for a request to stop (SIGTERM from systemd, SIGINT from a
// terminal) without a signal handler: the signals are blocked and taken
// synchronously with sigtimedwait(2), so a long-running command (`certpilot
// agent`) can pause between polls and still stop at once, cleanly.
//
// Construct it on the main thread BEFORE any other thread starts (threads
// inherit the mask, so none of them takes the signal by default action);
// children started by sys::ProcessRunner get a clean mask. The destructor
// restores the previous mask. Not thread-safe: one instance, one thread.
#pragma once

#include <signal.h>

#include <chrono>

namespace certpilot::sys {

class StopSignals {
 public:
  StopSignals();  // blocks SIGTERM and SIGINT
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Waits up to `timeout`; true when SIGTERM or SIGINT arrived (now or
  // before, while blocked), false when the time passed.
  bool WaitFor(std::chrono::milliseconds timeout);

 private:
  sigset_t stop_;
  sigset_t previous_;
};

}  // namespace certpilot::sys
