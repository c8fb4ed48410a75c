// A contract fake of Google Cloud DNS API v1 (cloud.google.com/dns/docs/
// reference/rest/v1) and of Google's OAuth 2.0 token endpoint for service
// accounts (developers.google.com/identity/protocols/oauth2/service-account;
// RFC 7523), over HTTPS on loopback (HttpsFakeServer): the token endpoint
// at /token, the API under /dns/v1 like the real one.
//
// The fake holds the service account's key pair; CredentialsIni() is the
// account's JSON key file with token_uri and dns_google_api_url pointing
// at the fake. It records a violation (FakeDnsZones::violations) for
// anything the documentation does not allow, and checks:
//  - token endpoint: POST, Content-Type application/x-www-form-urlencoded,
//    grant_type urn:ietf:params:oauth:grant-type:jwt-bearer and an
//    assertion that verifies RS256 against the account's PUBLIC key (with
//    OpenSSL, not the code under test), header kid = private_key_id, claims
//    iss = client_email, scope ndev.clouddns.readwrite, aud = token_uri,
//    iat within five minutes of now, exp = iat + 3600. A bad grant is 400
//    {"error": "invalid_grant", "error_description"}; a good one is
//    {"access_token", "expires_in": 3599, "token_type": "Bearer"}.
//  - API: "Authorization: Bearer" with a granted token (else 401); only GET
//    projects/P/managedZones (pageToken, maxResults, dnsName; one zone a
//    page, chained by nextPageToken), GET .../managedZones/Z/rrsets (name,
//    type), POST .../managedZones/Z/changes and GET .../changes/ID. A
//    change's "deletions" must match the current RRset exactly (else 412)
//    and its "additions" must not exist yet (else 409); rrdatas are quoted
//    zone-file TXT text; a change answers {"id", "status": "done"} (or
//    "pending" until asked again, with pending_changes). Errors are
//    {"error": {"code", "message", "errors": [{"reason"}], "status"}};
//    zones().Fail() applies to the API, not the token endpoint.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"

namespace certpilot::testing {

struct GoogleDnsFakeOptions {
  std::vector<std::string> zones;  // "example.com" (no trailing dot)
  std::string project = "my-project";
  // Changes answer "pending" first, "done" when asked for.
  bool pending_changes = false;
};

class GoogleDnsFake : public DnsApiFake {
 public:
  explicit GoogleDnsFake(GoogleDnsFakeOptions options);
  ~GoogleDnsFake() override;

  std::string provider() const override { return "google"; }
  FakeDnsZones& zones() override { return zones_; }
  HttpsFakeServer& server() override { return server_; }
  const std::string& ca_bundle() const override { return server_.ca_bundle(); }
  // The service account's JSON key file, pointing at the fake.
  std::string CredentialsIni() const override;
  // A key file of the same account with another private key: the token
  // endpoint refuses its assertion (400 invalid_grant).
  Refused WrongCredentials() const override;
  std::string client_email() const;
  int grants() const;

 private:
  struct State;
  http::Response Handle(const HttpsRequest& request);
  http::Response Token(const HttpsRequest& request);
  http::Response Api(const HttpsRequest& request);
  http::Response Change(const HttpsRequest& request, const std::string& zone);
  // The key file of the account with `key_pem`.
  std::string KeyFile(const std::string& key_pem) const;

  GoogleDnsFakeOptions options_;
  FakeDnsZones zones_;
  std::unique_ptr<State> state_;
  HttpsFakeServer server_;  // last: its threads use the members above
};

}  // namespace certpilot::testing
