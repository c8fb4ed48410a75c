// Cloudflare DNS through its v4 API (`--dns-cloudflare`), with
// certbot-dns-cloudflare's credentials file, either an API token (Zone:Read
// and DNS:Edit on the zone; sent as "Authorization: Bearer"):
//   dns_cloudflare_api_token = 0123456789abcdef0123456789abcdef01234567
// or the account's Global API Key with its e-mail (X-Auth-Email and
// X-Auth-Key headers):
//   dns_cloudflare_email = cloudflare@example.com
//   dns_cloudflare_api_key = 0123456789abcdef0123456789abcdef01234
// never both (certbot refuses that too). Optional, for API proxies:
//   dns_cloudflare_api_url = https://proxy.example.com/client/v4
//
// The API (developers.cloudflare.com/api): the zone is looked up by name
// (GET /zones?name=NAME), trying the challenge name's parents longest
// first; TXT records are listed with GET /zones/ID/dns_records?type=TXT&
// name=FQDN, paged (result_info.total_pages), created with POST
// /zones/ID/dns_records and removed with DELETE /zones/ID/dns_records/RID.
// Every answer is {"success": bool, "errors": [{"code", "message"}],
// "messages": [...], "result": ...}.
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

inline constexpr const char* kCloudflareApiUrl =
    "https://api.cloudflare.com/client/v4";

struct CloudflareCredentials {
  std::string api_url = kCloudflareApiUrl;
  std::string api_token;  // or:
  std::string email;
  std::string api_key;
};

// Throws UsageError naming the file, line and key (never a value).
CloudflareCredentials ParseCloudflareCredentials(std::string_view text,
                                                 const std::string& source);
// Reads `path` after the 0600 check (solvers/credentials_ini.h) and parses.
CloudflareCredentials LoadCloudflareCredentials(sys::Filesystem& fs,
                                                const std::string& path);

// Thread-safe: calls are serialized.
class CloudflareProvider : public solvers::DnsProvider {
 public:
  // `http` must outlive the provider. No I/O here.
  CloudflareProvider(CloudflareCredentials credentials, http::HttpClient& http);

  std::string Describe() const override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  std::string FindZoneLocked(const std::string& name);
  const std::string& ZoneId(const std::string& zone);
  // The record ids at `fqdn` (dotted) holding `value`.
  std::vector<std::string> RecordIds(const std::string& zone_id,
                                     const std::string& fqdn,
                                     const std::string& value);

  JsonApi api_;
  std::mutex mu_;
  std::map<std::string, std::string> zone_ids_;  // "example.com." → id
};

}  // namespace certpilot::dns_providers
