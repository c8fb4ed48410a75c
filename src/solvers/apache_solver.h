// HTTP-01 through the Apache that already serves the HTTP port (`--apache`,
// RFC 8555 §8.3): the Apache authenticator.
//
//   Present  checks the task's values and queues it (no I/O).
//   Wait     writes each queued response to LOCATION/tokens/TOKEN, brings
//            certpilot's directive set into the vhosts that serve the names
//            (apache/patch/challenge_patch.h) through a FileTransaction
//            journaled in STATE/challenge.journal, runs configtest, reloads
//            gracefully — only when a file changed: a further token of a
//            name already served needs no reload — and then fetches each
//            response through Apache itself (solvers/self_check.h) before
//            the CA is told to look. Throws (the CA is then never asked)
//            when Apache rejects the configuration — every file is then
//            restored byte for byte at once and Apache reloaded —, cannot
//            be reloaded, or does not serve a response in time.
//   CleanUp  removes the task's token file; when no response is left,
//            every file goes back to its bytes before the first Wait (the
//            journal is deleted) and Apache is gracefully reloaded. Never
//            throws: problems are logged, and the journal stays so the next
//            run recovers.
//
// One solver serves any number of tasks and orders (parallel renewals
// share it): every method takes one mutex. The caller recovers interrupted
// runs (apache/runtime/recovery.h) before the first Present.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "apache/config/loader.h"
#include "apache/patch/challenge_patch.h"
#include "apache/runtime/control.h"
#include "apache/runtime/recovery.h"
#include "http/http_client.h"
#include "issuance/challenge_solver.h"
#include "sys/file_transaction.h"
#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::solvers {

struct ApacheSolverOptions {
  apache::LoadOptions load;  // how to read the configuration
  int http_port = 80;
  // WORK/apache: the journal (apache/runtime/recovery.h).
  std::string state_dir;
  // --apache-challenge-location ("" = STATE/challenge).
  std::string challenge_location;
  std::chrono::milliseconds self_check_timeout{30'000};
  std::chrono::milliseconds self_check_interval{100};
};

class ApacheSolver : public issuance::ChallengeSolver {
 public:
  // Every reference must outlive the solver. `self_check` must allow plain
  // http:// URLs and must not follow redirects.
  ApacheSolver(ApacheSolverOptions options, sys::Filesystem& fs,
               apache::ApacheControl& apache, http::HttpClient& self_check,
               Clock& clock);
  ~ApacheSolver() override;

  std::string Type() const override { return "http-01"; }
  void Present(const issuance::ChallengeTask& task) override;
  void Wait() override;
  void CleanUp(const issuance::ChallengeTask& task) noexcept override;

 private:
  struct Task {
    std::string name, token, key_authorization;
    std::optional<apache::ChallengeSite> site;  // set once served
    bool checked = false;  // served, as seen through Apache
  };
  void Publish();
  void Forget();  // drops graph, patch and journal after a rollback
  void SelfCheck(const Task& task);
  std::string TokenPath(const std::string& token) const;

  ApacheSolverOptions options_;
  apache::StatePaths paths_;
  apache::ChallengeLocation location_;
  sys::Filesystem& fs_;
  apache::ApacheControl& apache_;
  http::HttpClient& http_;
  Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Task> tasks_;  // by token
  // While any response is in the configuration:
  std::optional<apache::ConfigGraph> graph_;
  std::unique_ptr<apache::ChallengePatch> patch_;
  std::unique_ptr<sys::FileTransaction> tx_;
  std::vector<sys::FileState> written_;  // what tx_ last wrote
};

}  // namespace certpilot::solvers
