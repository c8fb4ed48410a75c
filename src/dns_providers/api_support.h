// What every provider file shares: name handling, the API base URL with its
// proxy override, zone matching, JSON answers and the JSON API client. The
// functions are plain functions of their arguments (thread-safe).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/http_client.h"
#include "solvers/credentials_ini.h"

namespace certpilot::dns_providers {

// Lower-case with the trailing dot: "Example.COM" -> "example.com.".
std::string Dotted(std::string name);

// Without the trailing dot: "example.com." -> "example.com".
std::string Undotted(const std::string& name);

// `fqdn` relative to `zone` (both dotted): "_acme-challenge.www" for
// ("_acme-challenge.www.example.com.", "example.com."); "@" for the apex.
// REQUIRES: fqdn is zone or inside it.
std::string RelativeName(const std::string& fqdn, const std::string& zone);

// The zones `name` may fall in, longest first, without the trailing dot:
// "a.b.example.com." -> a.b.example.com, b.example.com, example.com (never
// a bare top-level label). For APIs that look a zone up by its name.
std::vector<std::string> CandidateZones(const std::string& name);

// True when `fqdn` is `zone` or inside it (both dotted).
bool InZone(const std::string& fqdn, const std::string& zone);

// The longest of `zones` (dotted) that `fqdn` falls in, or "".
std::string LongestZone(const std::string& fqdn,
                        const std::vector<std::string>& zones);

// Throws DnsProviderError "no zone for FQDN at WHERE: it hosts ..." naming
// up to ten of `hosted` (or how many).
[[noreturn]] void ThrowNoZone(const std::string& fqdn, const std::string& where,
                              const std::vector<std::string>& hosted);

// The API's base URL: the credentials' optional api_url key (PREFIX +
// "api_url", for API proxies) when set, else `default_url`; trailing
// slashes removed. Throws UsageError (naming the file and line) unless it
// is an https:// URL.
std::string ApiBaseUrl(const solvers::CredentialsIni& ini,
                       const std::string& default_url);

// The body as JSON, or throws DnsProviderError "PROVIDER API: WHAT answered
// malformed JSON".
nlohmann::json ParseApiJson(const std::string& provider,
                            const std::string& body, const std::string& what);

// "?a=1&b=x%2Ey" style escaping of one query value (RFC 3986 unreserved
// characters kept).
std::string QueryEscape(const std::string& value);

// `text` (a domain name or an id the API gave) as one URL path segment.
// Throws DnsProviderError "PROVIDER API: \"TEXT\" is not usable in a URL"
// when it is empty or holds what would change the path (/ ? # % space).
std::string PathSegment(const std::string& provider, const std::string& text);

}  // namespace certpilot::dns_providers

namespace certpilot::dns_providers {

// A provider's JSON-over-HTTPS API: every request carries the
// authentication headers and asks for JSON; every answer is checked with
// solvers::CheckApiResponse (the provider's own message from
// `error_message`, the secrets redacted). Not thread-safe by itself: the
// providers serialize their calls.
class JsonApi {
 public:
  using ErrorMessage = std::function<std::string(const nlohmann::json& body)>;

  // `http` must outlive the client. No I/O here.
  JsonApi(std::string provider, std::string base_url, http::Headers auth,
          std::vector<std::string> secrets, ErrorMessage error_message,
          http::HttpClient& http);

  // METHOD base_url + `path` (with its query), `body` sent as JSON unless
  // null. Returns the answer's JSON (null for an empty body). An answer
  // with status `tolerated` (e.g. 404 for "no such record") returns null
  // instead of throwing. Throws DnsProviderError, http::TransportError.
  nlohmann::json Call(const std::string& method, const std::string& path,
                      const nlohmann::json& body = nullptr, int tolerated = 0);

  const std::string& provider() const { return provider_; }
  const std::string& base_url() const { return base_url_; }

 private:
  std::string provider_;
  std::string base_url_;
  http::Headers auth_;
  std::vector<std::string> secrets_;
  ErrorMessage error_message_;
  http::HttpClient& http_;
};

// TXT text as one zone-file quoted string: "v" -> "\"v\"", with quotes
// and backslashes escaped. For APIs that take TXT rdata in zone-file form.
std::string QuoteTxt(const std::string& value);

// Removes one level of zone-file quoting ("\"v\"" -> "v"); other text is
// returned as is. Some APIs answer TXT content quoted.
std::string UnquoteTxt(const std::string& content);

// Throws DnsProviderError "no zone for FQDN at WHERE: none of CANDIDATES is
// a zone these credentials can see", for APIs that look a zone up by name.
[[noreturn]] void ThrowNoZoneAmong(const std::string& fqdn,
                                   const std::string& where,
                                   const std::vector<std::string>& candidates);

}  // namespace certpilot::dns_providers
