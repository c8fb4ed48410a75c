// The Apache authenticator of one run (`--apache`): the ApacheControl, the
// self-check HTTP client and the solvers::ApacheSolver, set up after the
// Apache state of interrupted runs has been recovered. Owned by SolverSet.
#pragma once

#include <memory>
#include <optional>

#include "apache/runtime/control.h"
#include "app/wiring/renewal_settings.h"
#include "http/http_client.h"
#include "solvers/apache_solver.h"
#include "sys/file_lock.h"

namespace certpilot::app {

struct SolverEnvironment;

class ApacheAuthenticator {
 public:
  // Checks the settings (UsageError: bad options, no main file), recovers
  // interrupted runs (apache/runtime/recovery.h), builds the solver.
  static std::unique_ptr<ApacheAuthenticator> Start(
      const SolverEnvironment& env, const RenewalSettings& s);
  issuance::ChallengeSolver* solver() { return solver_.get(); }

 private:
  // Declared first, released last: held while the others touch Apache.
  std::optional<sys::FileLock> lock_;
  ApacheAuthenticator() = default;
  // Destroyed in reverse: the solver before what it uses.
  std::unique_ptr<apache::ApacheControl> control_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<solvers::ApacheSolver> solver_;
};

}  // namespace certpilot::app
