// HTTP-01 through the nginx that already serves the HTTP port (`--nginx`,
// RFC 8555 §8.3): the nginx authenticator.
//
//   Present  checks the task's values and queues it (no I/O).
//   Wait     puts every queued response into the configuration
//            (nginx/patch/challenge_patch.h) through a FileTransaction
//            journaled in STATE/challenge.journal, runs `nginx -t`, reloads,
//            and then fetches each response through nginx itself — GET
//            http://<listen address>:<port>/.well-known/acme-challenge/ <token>
//            with `Host: <name>` — until it answers 200 with the key
//            authorization, before the CA is told to look (§8.2). This
//            replaces certbot's fixed sleep after the reload, and its race.
//            Throws (the CA is then never asked) when nginx rejects the
//            configuration, cannot be reloaded, or does not serve a response
//            within `self_check_timeout`.
//   CleanUp  takes the task's lines out; when no response is left, every
//            file goes back to its bytes before the first Wait (the journal
//            is deleted) and nginx is reloaded. Never throws: problems are
//            logged, and the journal stays so the next run recovers.
//
// One solver serves any number of tasks and orders (parallel renewals
// share it): every method takes one mutex. The caller recovers interrupted
// runs (nginx/runtime/recovery.h) before the first Present.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/http_client.h"
#include "issuance/challenge_solver.h"
#include "nginx/config/include_loader.h"
#include "nginx/patch/challenge_patch.h"
#include "nginx/runtime/control.h"
#include "nginx/runtime/recovery.h"
#include "sys/file_transaction.h"
#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::solvers {

struct NginxSolverOptions {
  std::string server_root = "/etc/nginx";  // nginx.conf lives here
  int http_port = 80;
  // WORK/nginx: journal and temporary server file (nginx/runtime/recovery.h).
  std::string state_dir;
  std::chrono::milliseconds self_check_timeout{30'000};
  std::chrono::milliseconds self_check_interval{100};
};

class NginxSolver : public issuance::ChallengeSolver {
 public:
  // Every reference must outlive the solver. `self_check` must allow plain
  // http:// URLs and must not follow redirects.
  NginxSolver(NginxSolverOptions options, sys::Filesystem& fs,
              nginx::NginxControl& nginx, http::HttpClient& self_check,
              Clock& clock);
  ~NginxSolver() override;

  std::string Type() const override { return "http-01"; }
  void Present(const issuance::ChallengeTask& task) override;
  void Wait() override;
  void CleanUp(const issuance::ChallengeTask& task) noexcept override;

 private:
  struct Task {
    nginx::ChallengeResponse response;
    std::optional<nginx::ChallengeSite> site;  // set once in the configuration
    bool checked = false;                      // served, as seen through nginx
  };
  void Publish();
  void SelfCheck(const Task& task);
  void Reload(const char* why);

  NginxSolverOptions options_;
  nginx::StatePaths paths_;
  sys::Filesystem& fs_;
  nginx::NginxControl& nginx_;
  http::HttpClient& http_;
  Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Task> tasks_;  // by token
  // While any response is in the configuration:
  std::optional<nginx::ConfigGraph> graph_;
  std::unique_ptr<nginx::ChallengePatch> patch_;
  std::unique_ptr<sys::FileTransaction> tx_;
};

}  // namespace certpilot::solvers
