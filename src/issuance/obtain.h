// The ACME order flow ("porcelain", RFC 8555 §7.4): new order → authorizations
// → present and answer challenges → wait for validation → finalize with a
// CSR → wait for the certificate → download → verify.
//
// The steps over all the names go as batches (acme::Client
// GetAuthorizations, RespondToChallenges): the authorizations are fetched,
// the challenges answered and the pending ones polled together, so an
// order's round trips do not grow with its names.
//
// Values in, values out: no storage, no printing beyond log lines. The caller
// owns the Client (already holding the account key and kid) and the solvers.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "acme/client.h"
#include "acme/types.h"
#include "crypto/csr.h"
#include "crypto/private_key.h"
#include "issuance/challenge_solver.h"

namespace certpilot::issuance {

struct ObtainRequest {
  std::vector<acme::Identifier> identifiers;
  // The certificate's key, from which Obtain makes the CSR — or, with `csr`
  // set (certonly --csr), none: the CSR is sent as it is and the
  // certificate checked against its public key.
  std::optional<crypto::PrivateKey> certificate_key;
  // Solvers by challenge type, in order of preference (first offered wins).
  std::vector<ChallengeSolver*> solvers;
  std::string replaces;  // RFC 9773 ARI certificate ID
  std::string profile;
  std::string preferred_chain;  // issuer CN of the chain's top certificate
  bool must_staple = false;
  std::optional<crypto::ParsedCsr> csr;
};

struct ObtainResult {
  std::string cert_pem;       // the leaf
  std::string chain_pem;      // intermediates, no leaf
  std::string fullchain_pem;  // cert_pem + chain_pem
  acme::Order order;
};

// Throws acme::ProblemError / acme::ProtocolError / http::TransportError /
// crypto::CryptoError, or ValidationError when the CA could not validate a
// name. Always cleans up every presented challenge.
ObtainResult Obtain(acme::Client& client, Clock& clock,
                    const ObtainRequest& req,
                    const acme::RetryPolicy& policy = {});

// The CA tried and failed to validate identifier() (as ordered: "*.x" for
// a wildcard).
class ValidationError : public Error {
 public:
  ValidationError(const std::string& message, acme::Identifier identifier)
      : Error(message), identifier_(std::move(identifier)) {}
  const acme::Identifier& identifier() const { return identifier_; }

 private:
  acme::Identifier identifier_;
};

}  // namespace certpilot::issuance
