// An in-process ACME CA behind the HttpClient seam, for unit tests of the
// ACME client, the order flow and the use cases.
//
// It verifies what a strict CA verifies — every JWS signature (against the
// jwk or the registered account key), that the nonce is one it issued and
// has not seen, that the protected `url` equals the request URL, that exactly
// one of jwk/kid is present, the Content-Type, and that POST-as-GET payloads
// are empty — and records each violation in violations() instead of
// throwing, so a test can assert that there were none. It issues real X.509
// certificates (a throwaway ECDSA CA) for the CSR's names.
//
// Faults are scripted through the public knobs. Thread-safe.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/http_client.h"

namespace certpilot::testing {

struct RecordedRequest {
  std::string method, url;
  std::string protected_header;  // decoded JSON ("" for GET/HEAD)
  std::string payload;           // decoded
};

// An RFC 8555 §6.7 problem document response: type
// "urn:ietf:params:acme:error:TYPE", for intercepts that refuse a request.
http::Response ProblemResponse(int status, const std::string& type,
                               const std::string& detail);

class FakeAcmeServer : public http::HttpClient {
 public:
  // `base` prefixes every URL it serves and hands out (no trailing slash).
  explicit FakeAcmeServer(std::string base = kBase);
  ~FakeAcmeServer() override;

  http::Response Do(const http::Request& request) override;
  // Handles the batch one request after another (recorded in that order)
  // and counts it as one round trip.
  std::vector<http::Response> DoAll(
      const std::vector<http::Request>& requests) override;

  static constexpr const char* kBase = "https://ca.test";
  std::string directory_url() const { return base_ + "/directory"; }

  // --- knobs (set before or between requests) ---
  // Answer the next N signed requests with badNonce (a fresh nonce attached).
  int bad_nonce_next = 0;
  // Number of authorization polls that still say "pending" after a challenge
  // was answered.
  int pending_polls = 1;
  // Retry-After sent with pending polls and a "processing" finalize, if set.
  std::optional<std::string> retry_after;
  // Order polls after finalize that still say "processing" (0: finalize
  // answers "valid" at once, as Let's Encrypt does; Pebble says
  // "processing").
  int processing_polls = 0;
  // Names whose validation fails (authorization becomes invalid).
  std::set<std::string> failing_names;
  // Make new authorizations already valid (authorization reuse).
  bool authz_already_valid = false;
  // Certificate lifetime and start offset (negative = in the past).
  std::chrono::seconds validity{90 * 24 * 3600};
  std::chrono::seconds not_before_offset{0};
  // Extra fields merged into the directory JSON (e.g. "renewalInfo").
  std::map<std::string, std::string> directory_extra;
  // When set, the directory offers renewalInfo (RFC 9773) and every
  // certificate gets this suggested window, with this Retry-After.
  std::optional<std::pair<std::chrono::system_clock::time_point,
                          std::chrono::system_clock::time_point>>
      renewal_window;
  std::optional<std::string> renewal_retry_after;
  // External account binding (RFC 8555 §7.3.4): when true, newAccount needs
  // a binding MACed with eab_keys[kid] (raw key bytes), else
  // externalAccountRequired.
  bool eab_required = false;
  std::map<std::string, std::string> eab_keys;
  // Profiles offered in the directory's meta (draft-ietf-acme-profiles).
  std::map<std::string, std::string> profiles;
  // Full override: return a response for a request before normal handling.
  std::function<std::optional<http::Response>(const http::Request&)> intercept;
  // Edits each normal response just before it is returned (after the
  // server's own state changed): a broken CA that did the right thing
  // internally but says something else on the wire. Called under the lock.
  std::function<void(const http::Request&, http::Response&)> tamper;
  // Edits each certificate before the CA signs it (a different public key,
  // other names): a CA that issues what was not asked for.
  std::function<void(X509*)> edit_issued;

  // Forgets every account (as a CA whose data was reset): requests signed
  // with their kid get accountDoesNotExist, and are not violations.
  void ForgetAccounts();

  // --- observations ---
  std::vector<RecordedRequest> requests() const;
  std::vector<std::string> violations() const;
  int CountRequests(const std::string& path_prefix) const;
  // Round trips a client on the network would wait for: one per Do() and
  // one per DoAll() batch, however many requests it holds.
  int RoundTrips() const;
  size_t accounts() const;
  // Status of an account ("valid", "deactivated") and whether a certificate
  // (by its PEM as issued) was revoked, with which reason.
  std::string AccountStatus(const std::string& url) const;
  std::optional<int> RevocationReason(const std::string& cert_pem) const;
  // The profile each new order asked for ("" if none), in order.
  std::vector<std::string> OrderedProfiles() const;
  std::string CaCertificatePem() const;

 private:
  struct Impl;
  const std::string base_;
  std::unique_ptr<Impl> impl_;
  int round_trips_ = 0;
  mutable std::mutex mu_;
};

}  // namespace certpilot::testing
