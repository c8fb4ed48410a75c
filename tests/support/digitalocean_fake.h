// A contract fake of DigitalOcean's API v2 "Domains" and "Domain Records"
// (docs.digitalocean.com/reference/api), over HTTPS on loopback
// (HttpsFakeServer), under /v2 like the real API.
//
// It checks what the documentation requires and records a violation
// (FakeDnsZones::violations) for anything else: "Authorization: Bearer
// TOKEN"; only GET /v2/domains/NAME, GET and POST /v2/domains/NAME/records,
// DELETE /v2/domains/NAME/records/ID; documented query parameters (type,
// name as a fully qualified name, page, per_page up to 200); JSON bodies
// with Content-Type application/json, only documented fields, type TXT, a
// name relative to the domain, ttl of at least 30. It answers as the API
// does: {"domain": ...}, {"domain_records": [...], "links": {"pages":
// {"next"...}}, "meta": {"total"}}, 201 {"domain_record"} for a creation,
// 204 for a deletion, errors as {"id", "message"} (401 unauthorized, 404
// not_found, 429 too_many_requests with the ratelimit-* headers).
// zones().Fail() makes it answer a rate limit or a server error.
#pragma once

#include <string>
#include <vector>

#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"

namespace certpilot::testing {

struct DigitalOceanFakeOptions {
  std::vector<std::string> zones;  // "example.com" (no trailing dot)
  std::string token = "dop_v1_test0123456789abcdef";
};

class DigitalOceanFake : public DnsApiFake {
 public:
  explicit DigitalOceanFake(DigitalOceanFakeOptions options);

  std::string provider() const override { return "digitalocean"; }
  FakeDnsZones& zones() override { return zones_; }
  HttpsFakeServer& server() override { return server_; }
  const DigitalOceanFakeOptions& options() const { return options_; }
  // "https://127.0.0.1:P/v2", for dns_digitalocean_api_url.
  std::string api_url() const { return server_.base() + "/v2"; }
  const std::string& ca_bundle() const override { return server_.ca_bundle(); }
  // A certbot-dns-digitalocean credentials file pointing at the fake.
  std::string CredentialsIni() const override;
  Refused WrongCredentials() const override;

 private:
  http::Response Handle(const HttpsRequest& request);
  http::Response Records(const HttpsRequest& request, const std::string& zone,
                         const std::string& record_id);

  DigitalOceanFakeOptions options_;
  FakeDnsZones zones_;
  HttpsFakeServer server_;  // last: its threads use the members above
};

}  // namespace certpilot::testing
