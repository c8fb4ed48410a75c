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

// What a CA may make us print: a 1 MB detail, or thousands of
// subproblems, would bury the message (and fill logs and mail).
constexpr size_t kMaxField = 512;         // type URN, detail, identifier
constexpr size_t kMaxSubproblems = 10;    // shown; the rest are counted
constexpr size_t kMaxDescription = 4096;  // the whole text

// `text` cut to at most `max` bytes (not inside a UTF-8 sequence), saying
// how much was left out.
std::string Bounded(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string(text.substr(0, cut)) + "... (" +
         std::to_string(text.size() - cut) + " more bytes)";
}

std::string Describe(const Problem& p) {
  std::string out =
      p.type_urn.empty() ? "error" : Bounded(p.type_urn, kMaxField);
  if (!p.detail.empty()) out += ": " + Bounded(p.detail, kMaxField);
  if (p.status && p.type_urn.empty())
    out += " (HTTP " + std::to_string(p.status) + ")";
  for (size_t i = 0; i < p.subproblems.size(); ++i) {
    if (i == kMaxSubproblems || out.size() > kMaxDescription) {
      out += "; and " + std::to_string(p.subproblems.size() - i) + " more";
      break;
    }
    const Problem& sub = p.subproblems[i];
    out += "; ";
    if (sub.identifier) out += Bounded(sub.identifier->value, kMaxField) + ": ";
    out += Describe(sub);
  }
  return Bounded(out, kMaxDescription);
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

namespace {

// " (the CA asks to wait 2 h 5 min before trying again)": a rate-limited
// run says when another one can succeed (RFC 8555 §6.6).
std::string RetryHint(const std::optional<std::chrono::seconds>& retry_after) {
  if (!retry_after) return "";
  long long s = retry_after->count();
  std::string wait;
  if (s < 120) {
    wait = std::to_string(s) + " s";
  } else if (s < 3600) {
    wait = std::to_string((s + 59) / 60) + " min";
  } else if (s < 2 * 86400) {
    long long m = (s + 59) / 60;
    wait = std::to_string(m / 60) + " h" +
           (m % 60 ? " " + std::to_string(m % 60) + " min" : "");
  } else {
    long long h = (s + 3599) / 3600;
    wait = std::to_string(h / 24) + " d" +
           (h % 24 ? " " + std::to_string(h % 24) + " h" : "");
  }
  return " (the CA asks to wait " + wait + " before trying again)";
}

}  // namespace

ProblemError::ProblemError(Problem problem, std::string method, std::string url,
                           std::optional<std::chrono::seconds> retry_after)
    : Error(problem.ToString() + RetryHint(retry_after)),
      problem_(std::move(problem)),
      method_(std::move(method)),
      url_(std::move(url)),
      retry_after_(retry_after) {}

ProtocolError::ProtocolError(const std::string& field,
                             const std::string& message)
    : Error("the CA sent an invalid response: " + StripControl(message)),
      field_(field) {}

}  // namespace certpilot::acme
