// The fleet agent's renewals (issue #17): any node may renew what is due,
// the fleet's per-lineage lock (fleet/lineage_lock.h) decides which one
// does. The agent starts `certpilot renew` with its own options as a child
// process (/proc/self/exe) instead of renewing in its poll loop: the
// renewal's self-check waits for every registered node to serve the token,
// this one included, and this node serves it only while its loop keeps
// syncing the token map. One renewal path (app/usecases/renew.h), no second.
//
// Schedule: a run starts at the first Tick after start + U*jitter, then
// every interval + U*jitter after the previous start (U uniform in [0, 1)
// from Services::random). Twice a day by default, as certbot's timer; the
// jitter spreads the fleet's nodes (the lock keeps them from doing the same
// work, the jitter keeps them from asking etcd at once). Never two runs at
// once: a Tick while one runs does nothing. A run lasting a whole interval
// is killed (spec.timeout).
// Each run's exit status and output go to the log (Info when it succeeded,
// Error otherwise); a run that cannot be started is logged too. Stop()
// (and the destructor) ends a running child (SIGTERM to its process group,
// SIGKILL 5 s later) and waits for it: the renewal is crash-safe and its
// fleet lock expires with its lease.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "sys/process_runner.h"
#include "util/clock.h"

namespace certpilot::app {

struct AgentRenewOptions {
  bool enabled = true;                    // false: --no-renew
  std::chrono::seconds interval{43'200};  // --renew-interval
  std::chrono::seconds jitter{3'600};     // --renew-jitter
  std::vector<std::string> argv;          // the child: renew and options
};

class AgentRenewer {
 public:
  // REQUIRES: o.interval > 0, o.jitter >= 0, o.argv non-empty when enabled.
  AgentRenewer(AgentRenewOptions o, sys::ProcessRunner& runner, Clock& clock,
               std::function<double()> random);
  ~AgentRenewer();
  AgentRenewer(const AgentRenewer&) = delete;
  AgentRenewer& operator=(const AgentRenewer&) = delete;

  // Starts a run when one is due and none is running. Call from the loop.
  void Tick();
  void Stop();

 private:
  void Run();
  TimePoint Jittered(TimePoint from) const;

  AgentRenewOptions o_;
  sys::ProcessRunner& runner_;
  Clock& clock_;
  std::function<double()> random_;
  TimePoint next_;
  std::thread worker_;
  std::atomic<bool> running_{false};
  std::atomic<bool> cancel_{false};
};

}  // namespace certpilot::app
