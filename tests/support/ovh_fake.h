// A contract fake of the OVHcloud API v1 "/domain/zone" (api.ovh.com/
// console; "First steps with the OVHcloud APIs" for the signature), over
// HTTPS on loopback (HttpsFakeServer), under /1.0 like the real API.
//
// Its clock runs `clock_offset` seconds ahead of the machine's, as a
// remote API's may: GET /1.0/auth/time (unsigned) tells it, and every other
// call must carry X-Ovh-Application (else 403 INVALID_KEY), X-Ovh-Consumer
// (else 403 INVALID_CREDENTIAL), X-Ovh-Timestamp within 30 s of the fake's
// clock (else 400 QUERY_TIME_OUT) and X-Ovh-Signature "$1$" + hex SHA-1 of
// APPLICATION_SECRET+CONSUMER_KEY+METHOD+URL+BODY+TIMESTAMP, computed here
// with OpenSSL (else 400 INVALID_SIGNATURE). Endpoints: GET /domain/zone,
// GET /domain/zone/Z/record (fieldType, subDomain), GET and DELETE
// /domain/zone/Z/record/ID, POST /domain/zone/Z/record {"fieldType",
// "subDomain", "target", "ttl"} and POST /domain/zone/Z/refresh. As on the
// real service, a change is in the zone's records at once but published
// (FakeDnsZones, which Pebble sees) only by the refresh: a record added or
// deleted without one is never served or stays behind. Anything else is a
// violation (FakeDnsZones::violations). Errors are {"errorCode",
// "httpCode", "message"}; zones().Fail() makes it answer 429 or 5xx.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"

namespace certpilot::testing {

struct OvhFakeOptions {
  std::vector<std::string> zones;  // "example.com" (no trailing dot)
  std::string application_key = "7kbG7Bk7S9Nt7ZSV";
  std::string application_secret = "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF";
  std::string consumer_key = "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1";
  long long clock_offset = 1000;  // seconds ahead of the machine
};

class OvhFake : public DnsApiFake {
 public:
  explicit OvhFake(OvhFakeOptions options);
  ~OvhFake() override;

  std::string provider() const override { return "ovh"; }
  FakeDnsZones& zones() override { return zones_; }
  HttpsFakeServer& server() override { return server_; }
  // "https://127.0.0.1:P/1.0", for dns_ovh_endpoint.
  std::string api_url() const { return server_.base() + "/1.0"; }
  const std::string& ca_bundle() const override { return server_.ca_bundle(); }
  std::string CredentialsIni() const override;
  Refused WrongCredentials() const override;

 private:
  struct State;
  http::Response Handle(const HttpsRequest& request);
  http::Response Zone(const HttpsRequest& request, const std::string& zone,
                      const std::vector<std::string>& rest);

  OvhFakeOptions options_;
  FakeDnsZones zones_;
  std::unique_ptr<State> state_;
  HttpsFakeServer server_;  // last: its threads use the members above
};

}  // namespace certpilot::testing
