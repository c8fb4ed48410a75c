// Google Cloud DNS (`--dns-google`), through its REST API v1
// (cloud.google.com/dns/docs/reference/rest/v1), authenticated as a service
// account the way certbot-dns-google is: --dns-google-credentials names the
// account's JSON key file (mode 600), as the Cloud console downloads it:
//   {"type": "service_account", "project_id": "my-project",
//    "private_key_id": "...", "private_key": "-----BEGIN PRIVATE KEY-----...",
//    "client_email": "certpilot@my-project.iam.gserviceaccount.com",
//    "token_uri": "https://oauth2.googleapis.com/token"}
// An optional member "dns_google_api_url" (certpilot's own, for API
// proxies; api_support.h) replaces https://dns.googleapis.com/dns/v1.
//
// The OAuth 2.0 JWT bearer grant (RFC 7523; developers.google.com/identity/
// protocols/oauth2/service-account): a JWT signed RS256 with the account's
// key, {"iss": client_email, "scope": ".../auth/ndev.clouddns.readwrite",
// "aud": token_uri, "iat": now, "exp": now + 3600}, is POSTed to token_uri
// (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT)
// for an access token, sent as "Authorization: Bearer" until it is about
// to expire. Zones: GET projects/P/managedZones (pages chained by
// nextPageToken → ?pageToken=), public ones only; the TXT RRset at a name:
// GET .../managedZones/Z/rrsets?name=&type=TXT; a change replaces the
// whole RRset: POST .../managedZones/Z/changes {"deletions": [old],
// "additions": [new]}, then GET .../changes/ID until "done". Errors:
// {"error": {"code", "message"}} (the token endpoint: {"error",
// "error_description"}).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/private_key.h"
#include "http/http_client.h"
#include "solvers/dns_provider.h"
#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::dns_providers {

struct GoogleServiceAccount {
  std::string project_id;
  std::string private_key_id;
  crypto::PrivateKey private_key;
  std::string client_email;
  std::string token_uri;
  std::string api_url = "https://dns.googleapis.com/dns/v1";
};

// The key file's JSON. Throws UsageError naming `source` and the member
// that is missing or wrong (never the key).
GoogleServiceAccount ParseGoogleServiceAccount(std::string_view json_text,
                                               const std::string& source);
// Reads `path` after the 0600 check and parses it.
GoogleServiceAccount LoadGoogleServiceAccount(sys::Filesystem& fs,
                                              const std::string& path);

// The signed JWT of the bearer grant at `now` (valid one hour).
std::string GoogleAssertion(const GoogleServiceAccount& account, TimePoint now);

struct GoogleOptions {
  Duration poll_interval = std::chrono::seconds(2);
  Duration change_timeout = std::chrono::seconds(120);
};

// Thread-safe: calls are serialized.
class GoogleCloudDnsProvider : public solvers::DnsProvider {
 public:
  // `http` and `clock` must outlive the provider. No I/O here.
  GoogleCloudDnsProvider(GoogleServiceAccount account, http::HttpClient& http,
                         Clock& clock, GoogleOptions options = {});

  std::string Describe() const override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  std::string FindZoneLocked(const std::string& name);
  const std::string& AccessToken();
  http::Response Call(const std::string& method, const std::string& path,
                      const std::string& body = "");
  std::vector<std::string> TxtValues(const std::string& zone_name,
                                     const std::string& name,
                                     std::uint32_t* ttl);
  void Replace(const std::string& zone_name, const std::string& name,
               const std::vector<std::string>& old_values,
               std::uint32_t old_ttl, const std::vector<std::string>& values,
               std::uint32_t ttl);
  const std::string& ZoneName(const std::string& zone);

  GoogleServiceAccount account_;
  http::HttpClient& http_;
  Clock& clock_;
  GoogleOptions options_;
  std::mutex mu_;
  std::string token_;
  TimePoint token_expiry_{};
  std::map<std::string, std::string> zone_names_;  // dns name → zone name
};

}  // namespace certpilot::dns_providers
