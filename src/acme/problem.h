// ACME problem documents (RFC 8555 §6.7, RFC 7807) and the errors the ACME
// layer throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "acme/types.h"
#include "util/error.h"

namespace certpilot::acme {

// urn:ietf:params:acme:error:<name> (RFC 8555 §6.7, Table 1; RFC 9773 adds
// alreadyReplaced). Anything else maps to kUnknown; the raw URN is kept.
enum class ProblemType {
  kUnknown,
  kAccountDoesNotExist,
  kAlreadyReplaced,
  kAlreadyRevoked,
  kBadCsr,
  kBadNonce,
  kBadPublicKey,
  kBadRevocationReason,
  kBadSignatureAlgorithm,
  kCaa,
  kCompound,
  kConnection,
  kDns,
  kExternalAccountRequired,
  kIncorrectResponse,
  kInvalidContact,
  kMalformed,
  kOrderNotReady,
  kRateLimited,
  kRejectedIdentifier,
  kServerInternal,
  kTls,
  kUnauthorized,
  kUnsupportedContact,
  kUnsupportedIdentifier,
  kUserActionRequired,
};

ProblemType ParseProblemType(std::string_view urn);

struct Problem {
  ProblemType type = ProblemType::kUnknown;
  std::string type_urn;  // as sent (may be empty)
  std::string detail;
  int status = 0;
  std::optional<Identifier> identifier;  // subproblems carry one (§6.7.1)
  std::vector<Problem> subproblems;

  // "urn:ietf:params:acme:error:connection: <detail>" plus subproblems, with
  // control characters stripped and bounded (each field to 512 bytes, ten
  // subproblems, about 4 KB in all; what is cut is counted) — safe to print.
  // The fields themselves keep what the CA sent.
  std::string ToString() const;
};

// The CA answered with a problem document (or an error status).
class ProblemError : public Error {
 public:
  ProblemError(Problem problem, std::string method, std::string url,
               std::optional<std::chrono::seconds> retry_after);
  const Problem& problem() const { return problem_; }
  const std::string& method() const { return method_; }
  const std::string& url() const { return url_; }
  // Set when the CA sent a usable Retry-After (e.g. rateLimited, §6.6).
  const std::optional<std::chrono::seconds>& retry_after() const {
    return retry_after_;
  }

 private:
  Problem problem_;
  std::string method_, url_;
  std::optional<std::chrono::seconds> retry_after_;
};

// The CA sent something RFC 8555 does not allow: malformed JSON, a missing or
// mistyped field, a non-https URL, a bad nonce or token, a certificate that
// does not match the order. `field` names what was wrong.
class ProtocolError : public Error {
 public:
  ProtocolError(const std::string& field, const std::string& message);
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

}  // namespace certpilot::acme
