// The challenge solvers a run needs, built from lineages' settings.
//
// Standalone HTTP-01 responders are shared: one per (address, port) for the
// whole run, however many orders run in parallel (DESIGN.md: one server with
// a token map). The nginx authenticator is one per run too
// (app/nginx_authenticator.h). Prepare() starts what a lineage needs, on the main thread,
// before workers start; For() is then safe from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "app/nginx_authenticator.h"
#include "app/renewal_settings.h"
#include "app/run_context.h"
#include "app/services.h"
#include "http/http_client.h"
#include "issuance/challenge_solver.h"
#include "solvers/http01_responder.h"
#include "solvers/standalone_solver.h"

namespace certpilot::app {

// What solvers beyond standalone need from the run (the nginx
// authenticator: files, nginx, WORK/nginx, a plain-HTTP client for its
// self-check).
struct SolverEnvironment {
  sys::Filesystem* fs = nullptr;
  sys::ProcessRunner* runner = nullptr;
  Clock* clock = nullptr;
  std::string work_dir;
  std::function<std::unique_ptr<http::HttpClient>()> make_self_check_http;
};

// The real environment of a run: its seams, and libcurl allowing http://.
SolverEnvironment SolverEnvironmentFor(RunContext& ctx, Services& services);

class SolverSet {
 public:
  SolverSet() = default;
  explicit SolverSet(SolverEnvironment env) : env_(std::move(env)) {}

  // Throws UsageError for an authenticator we do not have, ResponderError
  // when a port cannot be bound.
  void Prepare(const RenewalSettings& settings);
  // REQUIRES: Prepare(settings) was called.
  std::vector<issuance::ChallengeSolver*> For(const RenewalSettings& settings);
  // Stops every responder (also done by the destructor).
  void Stop();

 private:
  using Endpoint = std::pair<std::string, int>;
  struct Standalone {
    std::unique_ptr<solvers::Http01Responder> responder;
    std::unique_ptr<solvers::StandaloneSolver> solver;
  };
  std::map<Endpoint, Standalone> standalone_;

  SolverEnvironment env_;
  // One nginx per run (WORK/nginx holds one journal): by server root,
  // nginx program and port.
  using NginxKey = std::tuple<std::string, std::string, int>;
  std::map<NginxKey, std::unique_ptr<NginxAuthenticator>> nginx_;
};

// Throws UsageError unless `authenticator` is one certpilot implements.
void ValidateAuthenticator(const std::string& authenticator);

}  // namespace certpilot::app
