#include "acme/problem.h"

#include <array>
#include <utility>

#include "util/strings.h"

namespace certpilot::acme {
namespace {

constexpr std::string_view kPrefix = "urn:ietf:params:acme:error:";

constexpr std::array<std::pair<std::string_view, ProblemType>, 25> kTypes{{
    {"accountDoesNotExist", ProblemType::kAccountDoesNotExist},
    {"alreadyReplaced", ProblemType::kAlreadyReplaced},
    {"alreadyRevoked", ProblemType::kAlreadyRevoked},
    {"badCSR", ProblemType::kBadCsr},
    {"badNonce", ProblemType::kBadNonce},
    {"badPublicKey", ProblemType::kBadPublicKey},
    {"badRevocationReason", ProblemType::kBadRevocationReason},
    {"badSignatureAlgorithm", ProblemType::kBadSignatureAlgorithm},
    {"caa", ProblemType::kCaa},
    {"compound", ProblemType::kCompound},
    {"connection", ProblemType::kConnection},
    {"dns", ProblemType::kDns},
    {"externalAccountRequired", ProblemType::kExternalAccountRequired},
    {"incorrectResponse", ProblemType::kIncorrectResponse},
    {"invalidContact", ProblemType::kInvalidContact},
    {"malformed", ProblemType::kMalformed},
    {"orderNotReady", ProblemType::kOrderNotReady},
    {"rateLimited", ProblemType::kRateLimited},
    {"rejectedIdentifier", ProblemType::kRejectedIdentifier},
    {"serverInternal", ProblemType::kServerInternal},
    {"tls", ProblemType::kTls},
    {"unauthorized", ProblemType::kUnauthorized},
    {"unsupportedContact", ProblemType::kUnsupportedContact},
    {"unsupportedIdentifier", ProblemType::kUnsupportedIdentifier},
    {"userActionRequired", ProblemType::kUserActionRequired},
}};

std::string Describe(const Problem& p) {
  std::string out = p.type_urn.empty() ? "error" : p.type_urn;
  if (!p.detail.empty()) out += ": " + p.detail;
  if (p.status && p.type_urn.empty()) out += " (HTTP " + std::to_string(p.status) + ")";
  for (const Problem& sub : p.subproblems) {
    out += "; ";
    if (sub.identifier) out += sub.identifier->value + ": ";
    out += Describe(sub);
  }
  return out;
}

}  // namespace

ProblemType ParseProblemType(std::string_view urn) {
  if (!StartsWith(urn, kPrefix)) return ProblemType::kUnknown;
  urn.remove_prefix(kPrefix.size());
  for (const auto& [name, type] : kTypes)
    if (name == urn) return type;
  return ProblemType::kUnknown;
}

std::string Problem::ToString() const { return StripControl(Describe(*this)); }

ProblemError::ProblemError(Problem problem, std::string method, std::string url,
                           std::optional<std::chrono::seconds> retry_after)
    : Error(problem.ToString()),
      problem_(std::move(problem)),
      method_(std::move(method)),
      url_(std::move(url)),
      retry_after_(retry_after) {}

ProtocolError::ProtocolError(const std::string& field,
                             const std::string& message)
    : Error("the CA sent an invalid response: " + StripControl(message)),
      field_(field) {}

}  // namespace certpilot::acme
