#include "app/solver_set.h"

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

void ValidateAuthenticator(const std::string& authenticator) {
  if (authenticator != "standalone")
    throw UsageError("unsupported authenticator \"" + StripControl(authenticator) +
                     "\" (this build supports: standalone)");
}

void SolverSet::Prepare(const RenewalSettings& s) {
  ValidateAuthenticator(s.authenticator);
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
  auto it = standalone_.find({s.http01_address, s.http01_port});
  if (it == standalone_.end()) throw Error("internal: solvers not prepared");
  return {it->second.solver.get()};
}

void SolverSet::Stop() {
  for (auto& [at, entry] : standalone_) entry.responder->Stop();
}

}  // namespace certpilot::app
