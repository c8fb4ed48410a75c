// Hetzner DNS through its public API (`--dns-hetzner`). certbot has no
// official Hetzner plugin; the credentials file follows certbot's pattern
// with the token lego reads from HETZNER_API_KEY:
//   dns_hetzner_api_token = 0123456789abcdef0123456789abcdef
// Optional, for API proxies:
//   dns_hetzner_api_url = https://proxy.example.com/api/v1
//
// The API (dns.hetzner.com/api-docs, "Zones" and "Records"): every request
// carries the header "Auth-API-Token: TOKEN". The zone is found with
// GET /zones?name=NAME (an exact-name search: no zone answers 404 or an
// empty list), trying the challenge name's parents longest first; its
// records are listed with GET /records?zone_id=ID&page=N&per_page=M (paged,
// meta.pagination.last_page), created with POST /records {"zone_id",
// "type", "name" relative to the zone ("@" for the apex), "value", "ttl"}
// and removed with DELETE /records/ID. Errors are {"error": {"message",
// "code"}} or, from the gateway (401, 429), {"message"}.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dns_providers/api_support.h"
#include "http/http_client.h"
#include "solvers/dns_provider.h"
#include "sys/filesystem.h"

namespace certpilot::dns_providers {

inline constexpr const char* kHetznerApiUrl = "https://dns.hetzner.com/api/v1";

struct HetznerCredentials {
  std::string api_url = kHetznerApiUrl;
  std::string token;
};

// Throws UsageError naming the file, line and key (never a value).
HetznerCredentials ParseHetznerCredentials(std::string_view text,
                                           const std::string& source);
// Reads `path` after the 0600 check (solvers/credentials_ini.h) and parses.
HetznerCredentials LoadHetznerCredentials(sys::Filesystem& fs,
                                          const std::string& path);

// Thread-safe: calls are serialized.
class HetznerProvider : public solvers::DnsProvider {
 public:
  // `http` must outlive the provider. No I/O here.
  HetznerProvider(HetznerCredentials credentials, http::HttpClient& http);

  std::string Describe() const override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  // The id of zone `name` (no trailing dot), or "" when the account has no
  // such zone. Remembered once seen.
  std::string ZoneIdLocked(const std::string& name);
  // The ids of the TXT records at `fqdn` (dotted) in `zone` holding `value`.
  std::vector<std::string> RecordIds(const std::string& zone,
                                     const std::string& fqdn,
                                     const std::string& value);

  JsonApi api_;
  std::mutex mu_;
  std::map<std::string, std::string> zone_ids_;
};

}  // namespace certpilot::dns_providers
