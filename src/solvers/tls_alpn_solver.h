// TLS-ALPN-01 through certpilot's own TLS responder (RFC 8737;
// `--preferred-challenges tls-alpn-01`, `--tls-alpn-01-port`,
// `--tls-alpn-01-address`).
//
// Present builds the challenge certificate and publishes it in the shared
// responder's name map; CleanUp withdraws it (unless a newer challenge for
// the same name replaced it). Many orders can share one responder, and so
// one port. Thread-safe as the responder is.
#pragma once

#include "issuance/challenge_solver.h"
#include "solvers/tls_alpn_responder.h"

namespace certpilot::solvers {

class TlsAlpnSolver : public issuance::ChallengeSolver {
 public:
  // `responder` must be started and outlive the solver.
  explicit TlsAlpnSolver(TlsAlpnResponder& responder);

  std::string Type() const override { return "tls-alpn-01"; }
  // Throws UsageError for a wildcard (RFC 8737 §3 forbids it; CAs do not
  // offer it) and crypto::CryptoError if the certificate cannot be built.
  void Present(const issuance::ChallengeTask& task) override;
  void CleanUp(const issuance::ChallengeTask& task) noexcept override;

 private:
  TlsAlpnResponder& responder_;
};

}  // namespace certpilot::solvers
