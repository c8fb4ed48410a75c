#include "solvers/tls_alpn_solver.h"

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::solvers {

TlsAlpnSolver::TlsAlpnSolver(TlsAlpnResponder& responder)
    : responder_(responder) {}

void TlsAlpnSolver::Present(const issuance::ChallengeTask& task) {
  if (task.wildcard) {
    throw UsageError("tls-alpn-01 cannot validate the wildcard *." +
                     StripControl(task.identifier.value) +
                     " (RFC 8737 §3); use dns-01");
  }
  responder_.Add(task.identifier, task.key_authorization);
}

void TlsAlpnSolver::CleanUp(const issuance::ChallengeTask& task) noexcept {
  responder_.Remove(task.identifier, task.key_authorization);
}

}  // namespace certpilot::solvers
