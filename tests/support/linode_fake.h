// A contract fake of Linode's API v4 "Domains" (techdocs.akamai.com/
// linode-api), over HTTPS on loopback (HttpsFakeServer), under /v4 like
// the real API.
//
// It checks what the documentation requires and records a violation
// (FakeDnsZones::violations) for anything else: "Authorization: Bearer
// TOKEN"; only GET /v4/domains, GET and POST /v4/domains/ID/records, DELETE
// /v4/domains/ID/records/RID; only page and page_size (25..500) as query
// parameters; JSON bodies with Content-Type application/json, only
// documented fields, type TXT, a name relative to the domain, an integer
// ttl_sec (rounded up to a valid value as the API does). It answers paged
// lists as {"data", "page", "pages", "results"} and errors as {"errors":
// [{"reason"}]} (401 Invalid Token, 404 Not found, 429, 5xx through
// zones().Fail()).
#pragma once

#include <string>
#include <vector>

#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"

namespace certpilot::testing {

struct LinodeFakeOptions {
  std::vector<std::string> zones;  // "example.com" (no trailing dot)
  std::string token = "linode-test-token-0123456789abcdef";
};

class LinodeFake : public DnsApiFake {
 public:
  explicit LinodeFake(LinodeFakeOptions options);

  std::string provider() const override { return "linode"; }
  FakeDnsZones& zones() override { return zones_; }
  HttpsFakeServer& server() override { return server_; }
  const LinodeFakeOptions& options() const { return options_; }
  // "https://127.0.0.1:P/v4", for dns_linode_api_url.
  std::string api_url() const { return server_.base() + "/v4"; }
  const std::string& ca_bundle() const override { return server_.ca_bundle(); }
  // A certbot-dns-linode credentials file pointing at the fake.
  std::string CredentialsIni() const override;
  Refused WrongCredentials() const override;

 private:
  http::Response Handle(const HttpsRequest& request);
  http::Response Records(const HttpsRequest& request, const std::string& zone,
                         const std::string& record_id);

  LinodeFakeOptions options_;
  FakeDnsZones zones_;
  HttpsFakeServer server_;  // last: its threads use the members above
};

}  // namespace certpilot::testing
