#include "app/wiring/nginx_authenticator.h"

#include "app/wiring/nginx_setup.h"
#include "app/wiring/solver_set.h"
#include "util/error.h"

namespace certpilot::app {

std::unique_ptr<NginxAuthenticator> NginxAuthenticator::Start(
    const SolverEnvironment& env, const RenewalSettings& s) {
  if (env.fs == nullptr || env.runner == nullptr || env.clock == nullptr ||
      !env.make_self_check_http) {
    throw Error("internal: the nginx authenticator has no SolverEnvironment");
  }
  ValidateNginxOptions(s.nginx);
  RequireNginxConf(*env.fs, s.nginx);
  std::unique_ptr<NginxAuthenticator> a(new NginxAuthenticator());
  if (env.lock_nginx) a->lock_.emplace(env.lock_nginx());
  a->control_ = std::make_unique<nginx::NginxControl>(
      MakeNginxControl(*env.runner, s.nginx, *env.fs, *env.clock));
  storage::Layout layout;
  layout.work_dir = env.work_dir;
  RecoverNginxState(*env.fs, *a->control_, layout);
  a->http_ = env.make_self_check_http();
  solvers::NginxSolverOptions o;
  o.server_root = s.nginx.server_root;
  o.http_port = s.http01_port;
  o.state_dir = NginxState(layout).dir;
  a->solver_ = std::make_unique<solvers::NginxSolver>(o, *env.fs, *a->control_,
                                                      *a->http_, *env.clock);
  return a;
}

}  // namespace certpilot::app
