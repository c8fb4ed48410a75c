// A contract fake of the Hetzner DNS API (dns.hetzner.com/api-docs, "Zones"
// and "Records"), over HTTPS on loopback (HttpsFakeServer), under /api/v1
// like the real API.
//
// It checks what the documentation requires and records a violation
// (FakeDnsZones::violations) for anything else: the "Auth-API-Token" header
// (else 401 {"message": "Invalid authentication credentials"}, as the
// gateway answers); only GET /api/v1/zones (query name, page, per_page up
// to 100), GET /api/v1/records (query zone_id, page, per_page), POST
// /api/v1/records and DELETE /api/v1/records/ID; JSON bodies with
// Content-Type application/json and only the documented fields {"zone_id",
// "type", "name", "value", "ttl"}, type TXT, a name relative to the zone
// ("@" for the apex), an integer ttl. It answers {"zones": [...], "meta":
// {"pagination"}} (an unknown name: 404 {"zones": [], "error": {"message":
// "zone not found", "code": 404}}), {"records": [...], "meta":
// {"pagination": {"page", "per_page", "last_page", "total_entries"}}},
// {"record": {...}} for a creation, an empty 200 for a deletion and errors
// as {"error": {"message", "code"}}. zones().Fail() makes it answer a rate
// limit ({"message": "API rate limit exceeded"}) or a server error.
#pragma once

#include <string>
#include <vector>

#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"

namespace certpilot::testing {

struct HetznerFakeOptions {
  std::vector<std::string> zones;  // "example.com" (no trailing dot)
  std::string token = "LRK9DAWQ1ZAEFSrCNEEzLCUwhYX1U3g7";
};

class HetznerFake : public DnsApiFake {
 public:
  explicit HetznerFake(HetznerFakeOptions options);

  std::string provider() const override { return "hetzner"; }
  FakeDnsZones& zones() override { return zones_; }
  HttpsFakeServer& server() override { return server_; }
  // "https://127.0.0.1:P/api/v1", for dns_hetzner_api_url.
  std::string api_url() const { return server_.base() + "/api/v1"; }
  const std::string& ca_bundle() const override { return server_.ca_bundle(); }
  std::string CredentialsIni() const override;
  Refused WrongCredentials() const override;

 private:
  http::Response Handle(const HttpsRequest& request);
  http::Response Zones(const HttpsRequest& request);
  http::Response Records(const HttpsRequest& request,
                         const std::string& record_id);

  HetznerFakeOptions options_;
  FakeDnsZones zones_;
  HttpsFakeServer server_;  // last: its threads use the members above
};

}  // namespace certpilot::testing
