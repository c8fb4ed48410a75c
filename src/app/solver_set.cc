#include "app/solver_set.h"

#include "http/curl_http_client.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

void ValidateAuthenticator(const std::string& authenticator) {
  if (authenticator != "standalone" && authenticator != "nginx")
    throw UsageError("unsupported authenticator \"" + StripControl(authenticator) +
                     "\" (this build supports: standalone, nginx)");
}

SolverEnvironment SolverEnvironmentFor(RunContext& ctx, Services& services) {
  SolverEnvironment env;
  env.fs = &ctx.fs();
  env.runner = &services.runner;
  env.clock = &ctx.clock();
  env.work_dir = ctx.layout().work_dir;
  env.make_self_check_http = [] {
    http::CurlOptions o;
    o.https_only = false;  // the self-check asks nginx on the HTTP port
    o.connect_timeout = std::chrono::seconds(5);
    o.total_timeout = std::chrono::seconds(10);
    o.user_agent = "certpilot/" CERTPILOT_VERSION " (nginx self-check)";
    return std::make_unique<http::CurlHttpClient>(o);
  };
  return env;
}

void SolverSet::Prepare(const RenewalSettings& s) {
  ValidateAuthenticator(s.authenticator);
  if (s.authenticator == "nginx") {
    NginxKey key{s.nginx.server_root, s.nginx.ctl, s.http01_port};
    if (nginx_.count(key)) return;
    if (!nginx_.empty())
      throw UsageError("one certpilot run authenticates through one nginx; renew the lineages "
                       "of " + s.nginx.server_root + " separately (--cert-name)");
    nginx_.emplace(key, NginxAuthenticator::Start(env_, s));
    return;
  }
  Endpoint at{s.http01_address, s.http01_port};
  if (standalone_.count(at)) return;
  solvers::Http01ResponderOptions o;
  o.address = s.http01_address;
  o.port = s.http01_port;
  Standalone entry;
  entry.responder = std::make_unique<solvers::Http01Responder>(o);
  entry.responder->Start();
  entry.solver = std::make_unique<solvers::StandaloneSolver>(*entry.responder);
  standalone_.emplace(at, std::move(entry));
}

std::vector<issuance::ChallengeSolver*> SolverSet::For(const RenewalSettings& s) {
  if (s.authenticator == "nginx") {
    auto it = nginx_.find({s.nginx.server_root, s.nginx.ctl, s.http01_port});
    if (it == nginx_.end()) throw Error("internal: solvers not prepared");
    return {it->second->solver()};
  }
  auto it = standalone_.find({s.http01_address, s.http01_port});
  if (it == standalone_.end()) throw Error("internal: solvers not prepared");
  return {it->second.solver.get()};
}

void SolverSet::Stop() {
  for (auto& [at, entry] : standalone_) entry.responder->Stop();
}

}  // namespace certpilot::app
