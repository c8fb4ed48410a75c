// The challenge solvers a run needs, built from lineages' settings.
//
// Standalone HTTP-01 responders are shared: one per (address, port) for the
// whole run, however many orders run in parallel (DESIGN.md: one server with
// a token map). Prepare() starts what a lineage needs, on the main thread,
// before workers start; For() is then safe from any thread.
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "app/renewal_settings.h"
#include "issuance/challenge_solver.h"
#include "solvers/http01_responder.h"
#include "solvers/standalone_solver.h"

namespace certpilot::app {

class SolverSet {
 public:
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
};

// Throws UsageError unless `authenticator` is one certpilot implements.
void ValidateAuthenticator(const std::string& authenticator);

}  // namespace certpilot::app
