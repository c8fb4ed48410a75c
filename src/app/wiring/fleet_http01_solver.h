// HTTP-01 for a fleet (issue #17, RFC 8555 §8.3): the renewer publishes the
// key authorization to etcd (fleet/challenge_record.h) and every node's
// `certpilot agent` serves it, so the CA's request may reach any node.
//
// Present puts PREFIX/challenges/TOKEN under the solver's lease (granted on
// the first Present, at most fleet::kMaxChallengeTtlSeconds, revoked by the
// destructor: a renewer that dies leaves no token behind for long).
// Wait self-checks before the CA is told: for every live node of the
// registry (app/wiring/fleet_nodes.h) and every presented token it GETs
// http://ADDRESS/.well-known/acme-challenge/TOKEN with the identifier as
// Host, polling until each answers the key authorization or
// self_check_timeout passes; then it throws Error naming each node that
// does not serve it (and what it answered), so the order fails (exit 1)
// without asking the CA. No registered node is the same failure.
// CleanUp withdraws the token (also after a failure); an etcd error there is
// logged, the lease ends it anyway.
//
// Thread-safe: parallel orders may share it (one mutex around etcd and the
// self-check). The etcd client and the HttpClient must be used by nothing
// else while the solver lives, and outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "etcd/client.h"
#include "http/http_client.h"
#include "issuance/challenge_solver.h"
#include "util/clock.h"

namespace certpilot::app {

struct FleetHttp01Options {
  std::string prefix = "/certpilot";
  int64_t ttl_seconds = 600;  // capped at fleet::kMaxChallengeTtlSeconds
  // Agents poll etcd (about every 0.5 s): give them a few rounds.
  std::chrono::milliseconds self_check_timeout{30'000};
  std::chrono::milliseconds self_check_interval{200};
};

class FleetHttp01Solver : public issuance::ChallengeSolver {
 public:
  // `self_check` must allow plain http://.
  FleetHttp01Solver(etcd::Client& etcd, http::HttpClient& self_check,
                    Clock& clock, FleetHttp01Options options);
  ~FleetHttp01Solver() override;
  FleetHttp01Solver(const FleetHttp01Solver&) = delete;
  FleetHttp01Solver& operator=(const FleetHttp01Solver&) = delete;

  std::string Type() const override { return "http-01"; }
  void Present(const issuance::ChallengeTask& task) override;
  void Wait() override;
  void CleanUp(const issuance::ChallengeTask& task) noexcept override;

 private:
  etcd::Client& etcd_;
  http::HttpClient& self_check_;
  Clock& clock_;
  FleetHttp01Options options_;
  std::mutex mu_;
  int64_t lease_ = 0;
  // Presented and not cleaned up, by token; true once self-checked.
  struct Pending {
    issuance::ChallengeTask task;
    bool checked = false;
  };
  std::map<std::string, Pending> pending_;
};

}  // namespace certpilot::app
