// DigitalOcean DNS through its API v2 (`--dns-digitalocean`), with
// certbot-dns-digitalocean's credentials file (a personal access token with
// write scope, sent as "Authorization: Bearer"):
//   dns_digitalocean_token = 0000111122223333444455556666777788889999...
// Optional, for API proxies:
//   dns_digitalocean_api_url = https://proxy.example.com/v2
//
// The API (docs.digitalocean.com/reference/api, "Domains" and "Domain
// Records"): the zone is found with GET /v2/domains/NAME (404 when the
// account has no such domain), trying the challenge name's parents longest
// first; TXT records are listed with GET /v2/domains/ZONE/records?type=TXT&
// name=FQDN (paged: page, per_page, links.pages.next), created with POST
// .../records {"type", "name" relative to the zone, "data", "ttl"} and
// removed with DELETE .../records/ID (204). Errors are {"id", "message"}.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dns_providers/api_support.h"
#include "http/http_client.h"
#include "solvers/dns_provider.h"
#include "sys/filesystem.h"

namespace certpilot::dns_providers {

inline constexpr const char* kDigitalOceanApiUrl =
    "https://api.digitalocean.com/v2";

struct DigitalOceanCredentials {
  std::string api_url = kDigitalOceanApiUrl;
  std::string token;
};

// Throws UsageError naming the file, line and key (never a value).
DigitalOceanCredentials ParseDigitalOceanCredentials(std::string_view text,
                                                     const std::string& source);
// Reads `path` after the 0600 check (solvers/credentials_ini.h) and parses.
DigitalOceanCredentials LoadDigitalOceanCredentials(sys::Filesystem& fs,
                                                    const std::string& path);

// Thread-safe: calls are serialized.
class DigitalOceanProvider : public solvers::DnsProvider {
 public:
  // `http` must outlive the provider. No I/O here.
  DigitalOceanProvider(DigitalOceanCredentials credentials,
                       http::HttpClient& http);

  std::string Describe() const override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  // The ids of the TXT records at `fqdn` (dotted) in `zone` holding `value`.
  std::vector<long> RecordIds(const std::string& zone, const std::string& fqdn,
                              const std::string& value);

  JsonApi api_;
  std::mutex mu_;
};

}  // namespace certpilot::dns_providers
