// A contract fake of Gandi's LiveDNS API v5 (api.gandi.net/docs/livedns),
// over HTTPS on loopback (HttpsFakeServer), under /v5/livedns like the real
// API.
//
// It checks what the documentation requires and records a violation
// (FakeDnsZones::violations) for anything else: "Authorization: Bearer
// PAT" or, when the options give an API key, "Authorization: Apikey KEY"
// (else 401); only GET /v5/livedns/domains/FQDN and GET, PUT, DELETE
// /v5/livedns/domains/FQDN/records/NAME/TXT with NAME relative to the
// domain ("@" for the apex); no query but sharing_id; PUT bodies with
// Content-Type application/json and only {"rrset_ttl", "rrset_values"},
// rrset_ttl 300..2592000, the values as quoted zone-file TXT text. Each
// value of a set is one record of FakeDnsZones. It answers a domain as
// {"fqdn", "automatic_snapshots", "domain_records_href", ...}, a set as
// {"rrset_name", "rrset_type", "rrset_ttl", "rrset_values" (quoted),
// "rrset_href"}, a PUT as 201 {"message": "DNS Record Created"}, a DELETE
// as 204 and errors as {"code", "message", "object", "cause"}.
// zones().Fail() makes it answer a rate limit or a server error.
#pragma once

#include <string>
#include <vector>

#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"

namespace certpilot::testing {

struct GandiFakeOptions {
  std::vector<std::string> zones;  // "example.com" (no trailing dot)
  std::string token = "3f1c0a6e9b2d4c7f8e5a1b0c9d8e7f6a5b4c3d2e";
  // When set, the fake takes this legacy API key instead of the token.
  std::string api_key = "";
};

class GandiFake : public DnsApiFake {
 public:
  explicit GandiFake(GandiFakeOptions options);

  std::string provider() const override { return "gandi"; }
  FakeDnsZones& zones() override { return zones_; }
  HttpsFakeServer& server() override { return server_; }
  // "https://127.0.0.1:P/v5/livedns", for dns_gandi_api_url.
  std::string api_url() const { return server_.base() + "/v5/livedns"; }
  const std::string& ca_bundle() const override { return server_.ca_bundle(); }
  std::string CredentialsIni() const override;
  Refused WrongCredentials() const override;
  std::string add_method() const override { return "PUT"; }

 private:
  http::Response Handle(const HttpsRequest& request);
  http::Response Rrset(const HttpsRequest& request, const std::string& zone,
                       const std::string& name);

  GandiFakeOptions options_;
  FakeDnsZones zones_;
  HttpsFakeServer server_;  // last: its threads use the members above
};

}  // namespace certpilot::testing
