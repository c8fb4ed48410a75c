// A contract fake of Cloudflare's DNS API v4 (developers.cloudflare.com/api:
// "Zones: List Zones", "DNS Records for a Zone": list, create, delete), over
// HTTPS on loopback (HttpsFakeServer), under /client/v4 like the real API.
//
// It checks what the documentation requires and records a violation
// (FakeDnsZones::violations) for anything else: authentication is either
// "Authorization: Bearer TOKEN" or X-Auth-Email + X-Auth-Key, never both;
// only the documented paths, methods and query parameters (per_page within
// its documented range); JSON bodies with Content-Type application/json,
// only documented fields, type TXT, names without a trailing dot inside the
// zone, ttl 1 (automatic) or 60..86400. It answers in Cloudflare's shape
// ({"success", "errors": [{"code", "message"}], "messages", "result",
// "result_info"}), pages lists by page/per_page, refuses a wrong credential
// with 403 (code 9109 / 9103), an identical record with 400 (81058), an
// unknown record with 404 (81044). zones().Fail() makes it answer a rate
// limit (971) or a server error in that shape.
#pragma once

#include <string>
#include <vector>

#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"

namespace certpilot::testing {

struct CloudflareFakeOptions {
  std::vector<std::string> zones;  // "example.com" (no trailing dot)
  std::string api_token = "cf-test-token-0123456789abcdef";
  // The global API key pair, also accepted.
  std::string email = "admin@example.com";
  std::string api_key = "cf-global-key-fedcba9876543210";
};

class CloudflareFake : public DnsApiFake {
 public:
  explicit CloudflareFake(CloudflareFakeOptions options);

  std::string provider() const override { return "cloudflare"; }
  FakeDnsZones& zones() override { return zones_; }
  HttpsFakeServer& server() override { return server_; }
  const CloudflareFakeOptions& options() const { return options_; }
  // "https://127.0.0.1:P/client/v4", for dns_cloudflare_api_url.
  std::string api_url() const { return server_.base() + "/client/v4"; }
  const std::string& ca_bundle() const override { return server_.ca_bundle(); }
  // A certbot-dns-cloudflare credentials file (API token form) pointing at
  // the fake.
  std::string CredentialsIni() const override;
  Refused WrongCredentials() const override;

 private:
  http::Response Handle(const HttpsRequest& request);
  http::Response Records(const HttpsRequest& request, const std::string& zone,
                         const std::string& record_id);

  CloudflareFakeOptions options_;
  FakeDnsZones zones_;
  HttpsFakeServer server_;  // last: its threads use the members above
};

}  // namespace certpilot::testing
