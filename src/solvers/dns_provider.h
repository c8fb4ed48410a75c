// The DNS provider seam: a hosting service's API that can add and remove
// TXT records (PowerDNS, Cloudflare, ...). One small file per provider
// implements it over the http::HttpClient seam, so each is testable against
// a fake; ProviderSolver (provider_solver.h) turns any of them into a DNS-01
// ChallengeSolver. The model is lego's providers/dns/* (shape, not code).
//
// Names are absolute, lower-case, with the trailing dot
// ("_acme-challenge.example.com."). Implementations are used from one
// thread at a time per instance unless they say otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "http/http_client.h"
#include "util/error.h"

namespace certpilot::solvers {

// The provider's API refused or failed a request. what() reads "PROVIDER
// API: METHOD PATH answered STATUS: <the provider's own message>", with the
// credentials redacted; status() is the HTTP status (0 when the reply was
// not HTTP-level, e.g. malformed JSON); retry_after() is set for a rate
// limit (429) that said when to come back.
class DnsProviderError : public Error {
 public:
  DnsProviderError(const std::string& message, int status,
                   std::optional<std::chrono::seconds> retry_after = {})
      : Error(message), status_(status), retry_after_(retry_after) {}
  int status() const { return status_; }
  std::optional<std::chrono::seconds> retry_after() const {
    return retry_after_;
  }

 private:
  int status_;
  std::optional<std::chrono::seconds> retry_after_;
};

class DnsProvider {
 public:
  virtual ~DnsProvider() = default;
  // "PowerDNS at http://127.0.0.1:8081", for messages (no secrets).
  virtual std::string Describe() const = 0;
  // The zone the provider hosts that `name` falls in (the longest match),
  // as the provider names it, trailing dot. Throws DnsProviderError when it
  // hosts none (naming `name` and the zones it does host, or how many).
  virtual std::string FindZone(const std::string& name) = 0;
  // Adds the TXT record name/value with `ttl`, keeping the other values at
  // that name (a wildcard and its base domain share one name). Adding a
  // value that is there already changes nothing.
  virtual void AddTxt(const std::string& zone, const std::string& name,
                      const std::string& value, std::uint32_t ttl) = 0;
  // Removes exactly the TXT record name/value; other values stay. Removing
  // a value that is not there is no error.
  virtual void DeleteTxt(const std::string& zone, const std::string& name,
                         const std::string& value) = 0;
};

// Checks an API answer: returns normally for 2xx, else throws
// DnsProviderError naming `provider`, the request and the provider's own
// message (`message` extracted from the body by the provider, or the body's
// start), with every one of `secrets` redacted, and Retry-After (seconds)
// for a 429.
void CheckApiResponse(const std::string& provider, const http::Request& request,
                      const http::Response& response,
                      const std::string& message,
                      const std::vector<std::string>& secrets);

}  // namespace certpilot::solvers
