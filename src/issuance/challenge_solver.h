// The seam between the order flow and the ways of proving control of a name
// (after acmez's Solver): Present makes the proof available, Wait (optional)
// blocks until it is visible to the CA, CleanUp removes it.
#pragma once

#include <string>

#include "acme/types.h"

namespace certpilot::issuance {

// One challenge to satisfy.
struct ChallengeTask {
  acme::Identifier identifier;  // as in the authorization (no "*." prefix)
  bool wildcard = false;
  acme::Challenge challenge;      // token checked base64url (acme/json.cc)
  std::string key_authorization;  // token "." thumbprint (RFC 8555 §8.1)
};

class ChallengeSolver {
 public:
  virtual ~ChallengeSolver() = default;
  // "http-01", "dns-01", "tls-alpn-01".
  virtual std::string Type() const = 0;
  // Makes the response available. Called once per task before any challenge
  // is answered (RFC 8555 §8.2: don't answer before the response is served).
  virtual void Present(const ChallengeTask& task) = 0;
  // Called once after every Present, before the CA is told to validate.
  virtual void Wait() {}
  // Removes what Present set up (§8.3: de-provision). Called for every task
  // whose Present was attempted — also when Present or validation failed —
  // so it must cope with a half-done Present. Must not throw.
  virtual void CleanUp(const ChallengeTask& task) noexcept = 0;
};

}  // namespace certpilot::issuance
