// OVHcloud (`--dns-ovh`), through the OVH API v1 (api.ovh.com/console,
// "First steps with the OVHcloud APIs"), with certbot-dns-ovh's credentials
// file:
//   dns_ovh_endpoint = ovh-eu
//   dns_ovh_application_key = MDAwMDAwMDAwMDAw
//   dns_ovh_application_secret = MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw
//   dns_ovh_consumer_key = MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw
// The endpoint is one of python-ovh's names (ovh-eu, ovh-ca, ovh-us,
// kimsufi-eu, kimsufi-ca, soyoustart-eu, soyoustart-ca) or an https:// URL
// of the API's base ("https://eu.api.ovh.com/1.0"); dns_ovh_api_url, when
// set, overrides it (api_support.h).
//
// Every call but GET /auth/time is signed: headers X-Ovh-Application,
// X-Ovh-Consumer, X-Ovh-Timestamp (the API's clock: /auth/time is asked
// once and the difference kept) and X-Ovh-Signature = "$1$" + hex SHA-1 of
// APPLICATION_SECRET+CONSUMER_KEY+METHOD+URL+BODY+TIMESTAMP joined by "+".
// Records: GET /domain/zone (the zones), GET /domain/zone/Z/record?
// fieldType=TXT&subDomain=S (ids), GET .../record/ID, POST .../record
// {"fieldType","subDomain","target","ttl"}, DELETE .../record/ID, and
// POST /domain/zone/Z/refresh to publish a change. Errors: {"message": ..}.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_client.h"
#include "solvers/dns_provider.h"
#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::dns_providers {

struct OvhCredentials {
  std::string api_url;  // "https://eu.api.ovh.com/1.0"
  std::string application_key;
  std::string application_secret;
  std::string consumer_key;
};

// Throws UsageError naming the file, line and key (never a value).
OvhCredentials ParseOvhCredentials(std::string_view text,
                                   const std::string& source);
// Reads `path` after the 0600 check and parses it.
OvhCredentials LoadOvhCredentials(sys::Filesystem& fs, const std::string& path);

// "$1$" + hex SHA-1 of the request, as the API checks it.
std::string OvhSignature(const OvhCredentials& c, std::string_view method,
                         std::string_view url, std::string_view body,
                         long long timestamp);

// Thread-safe: calls are serialized.
class OvhProvider : public solvers::DnsProvider {
 public:
  // `http` and `clock` must outlive the provider. No I/O here.
  OvhProvider(OvhCredentials credentials, http::HttpClient& http, Clock& clock);

  std::string Describe() const override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  http::Response Call(const std::string& method, const std::string& path,
                      const std::string& body = "");
  // The ids of the TXT records `value` at `name` in `zone`.
  std::vector<long long> RecordIds(const std::string& zone,
                                   const std::string& name,
                                   const std::string& value);

  OvhCredentials credentials_;
  http::HttpClient& http_;
  Clock& clock_;
  std::mutex mu_;
  std::optional<long long> time_delta_;  // the API's clock minus ours, s
};

}  // namespace certpilot::dns_providers
