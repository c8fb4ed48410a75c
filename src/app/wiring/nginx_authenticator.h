// The nginx authenticator of one run (`--nginx`): the NginxControl, the
// self-check HTTP client and the solvers::NginxSolver, set up after the
// nginx state of interrupted runs has been recovered. Owned by SolverSet.
#pragma once

#include <memory>
#include <optional>

#include "app/wiring/renewal_settings.h"
#include "http/http_client.h"
#include "nginx/runtime/control.h"
#include "solvers/nginx_solver.h"
#include "sys/file_lock.h"

namespace certpilot::app {

struct SolverEnvironment;

class NginxAuthenticator {
 public:
  // Checks the settings (UsageError: bad options, no nginx.conf), recovers
  // interrupted runs (nginx/recovery.h), builds the solver.
  static std::unique_ptr<NginxAuthenticator> Start(const SolverEnvironment& env,
                                                   const RenewalSettings& s);
  issuance::ChallengeSolver* solver() { return solver_.get(); }

 private:
  // Declared first, released last: held while the others touch nginx.
  std::optional<sys::FileLock> lock_;
  NginxAuthenticator() = default;
  // Destroyed in reverse: the solver before what it uses.
  std::unique_ptr<nginx::NginxControl> control_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<solvers::NginxSolver> solver_;
};

}  // namespace certpilot::app
