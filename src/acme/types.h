// ACME wire types (RFC 8555 §7.1): plain values, no I/O. JSON mapping lives
// only in json.{h,cc}.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace certpilot::acme {

using TimePoint = std::chrono::system_clock::time_point;

// Object status values (§7.1.6). kUnknown is any value we do not know; it
// never satisfies a wait.
enum class Status {
  kUnknown,
  kPending,
  kReady,
  kProcessing,
  kValid,
  kInvalid,
  kDeactivated,
  kExpired,
  kRevoked,
};
Status ParseStatus(std::string_view s);
const char* StatusName(Status s);

// §7.1.4 / RFC 8738: type "dns" or "ip".
struct Identifier {
  std::string type;
  std::string value;
  bool operator==(const Identifier&) const = default;
  bool operator<(const Identifier& o) const {
    return std::tie(type, value) < std::tie(o.type, o.value);
  }
};

struct DirectoryMeta {
  std::string terms_of_service;
  std::string website;
  bool external_account_required = false;
  std::map<std::string, std::string> profiles;  // draft-ietf-acme-profiles
};

// §7.1.1. Every URL has been checked to be https.
struct Directory {
  std::string new_nonce, new_account, new_order, revoke_cert, key_change;
  std::string new_authz;     // optional (§7.4.1)
  std::string renewal_info;  // optional (RFC 9773 ARI)
  DirectoryMeta meta;
  std::string raw_json;  // the directory as the CA sent it
};

// §7.1.2.
struct Account {
  std::string url;  // from the Location header: the `kid`
  Status status = Status::kUnknown;
  std::vector<std::string> contact;
  std::string orders;
  std::string raw_json;  // the account object as the CA sent it
};

// §7.1.5 (a challenge inside an authorization, or a challenge response).
struct Challenge {
  std::string type;  // "http-01", "dns-01", "tls-alpn-01", ...
  std::string url;
  Status status = Status::kUnknown;
  std::string token;  // checked: base64url, ≥ 22 characters (§8.1, §11.3)
  std::string error_text;  // the challenge's problem, printable, if any
};

// §7.1.4.
struct Authorization {
  std::string url;
  Identifier identifier;
  Status status = Status::kUnknown;
  std::vector<Challenge> challenges;
  bool wildcard = false;
  std::optional<TimePoint> expires;
};

// §7.1.3.
struct Order {
  std::string url;  // from Location (newOrder) or the URL fetched
  Status status = Status::kUnknown;
  std::vector<Identifier> identifiers;
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;  // empty until valid
  std::string error_text;   // the order's problem, printable, if any
  std::optional<TimePoint> expires;
};

// RFC 9773 §4.2: when the CA would like a certificate renewed.
struct RenewalInfo {
  TimePoint window_start{}, window_end{};
  std::string explanation_url;
};

// A downloaded certificate chain (§7.4.2): PEM, leaf first, plus the URLs of
// alternate chains the CA offered with Link: rel="alternate".
struct CertificateChain {
  std::string pem;
  std::vector<std::string> alternates;
};

}  // namespace certpilot::acme
