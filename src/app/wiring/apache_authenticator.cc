#include "app/wiring/apache_authenticator.h"

#include "app/wiring/apache_setup.h"
#include "app/wiring/solver_set.h"
#include "util/error.h"

namespace certpilot::app {

std::unique_ptr<ApacheAuthenticator> ApacheAuthenticator::Start(
    const SolverEnvironment& env, const RenewalSettings& s) {
  if (env.fs == nullptr || env.runner == nullptr || env.clock == nullptr ||
      !env.make_self_check_http) {
    throw Error("internal: the Apache authenticator has no SolverEnvironment");
  }
  ValidateApacheOptions(s.apache);
  solvers::ApacheSolverOptions o;
  o.load = ApacheLoadOptions(*env.fs, s.apache);
  std::unique_ptr<ApacheAuthenticator> a(new ApacheAuthenticator());
  if (env.lock_apache) a->lock_.emplace(env.lock_apache());
  a->control_ = std::make_unique<apache::ApacheControl>(
      MakeApacheControl(*env.runner, *env.fs, s.apache));
  storage::Layout layout;
  layout.work_dir = env.work_dir;
  RecoverApacheState(*env.fs, *a->control_, layout, s.apache);
  a->http_ = env.make_self_check_http();
  o.http_port = s.http01_port;
  o.state_dir = ApacheState(layout).dir;
  o.challenge_location = s.apache.challenge_location;
  a->solver_ = std::make_unique<solvers::ApacheSolver>(o, *env.fs, *a->control_,
                                                       *a->http_, *env.clock);
  return a;
}

}  // namespace certpilot::app
