// Linode (Akamai) DNS Manager through its API v4 (`--dns-linode`), with
// certbot-dns-linode's credentials file (a personal access token with
// Domains read/write, sent as "Authorization: Bearer"):
//   dns_linode_key = 0123456789abcdef0123456789abcdef0123456789abcdef
//   dns_linode_version = 4        (optional; only 4 is served)
// Optional, for API proxies:
//   dns_linode_api_url = https://proxy.example.com/v4
//
// The API (techdocs.akamai.com/linode-api, "Domains"): the account's
// domains are listed with GET /v4/domains (paged: page, page_size; answer
// {"data", "page", "pages", "results"}) and the longest one the name falls
// in is taken; a domain's records with GET /v4/domains/ID/records (paged
// alike); TXT records are created with POST .../records {"type", "name"
// relative to the domain, "target", "ttl_sec"} and removed with DELETE
// .../records/RID. Errors are {"errors": [{"reason", "field"}]}.
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

inline constexpr const char* kLinodeApiUrl = "https://api.linode.com/v4";

struct LinodeCredentials {
  std::string api_url = kLinodeApiUrl;
  std::string key;
};

// Throws UsageError naming the file, line and key (never a value).
LinodeCredentials ParseLinodeCredentials(std::string_view text,
                                         const std::string& source);
// Reads `path` after the 0600 check (solvers/credentials_ini.h) and parses.
LinodeCredentials LoadLinodeCredentials(sys::Filesystem& fs,
                                        const std::string& path);

// Thread-safe: calls are serialized.
class LinodeProvider : public solvers::DnsProvider {
 public:
  // `http` must outlive the provider. No I/O here.
  LinodeProvider(LinodeCredentials credentials, http::HttpClient& http);

  std::string Describe() const override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  std::string FindZoneLocked(const std::string& name);
  long ZoneId(const std::string& zone);
  // Every item of the paged list at `path`.
  std::vector<nlohmann::json> List(const std::string& path);
  // The ids of the TXT records at `fqdn` (dotted) in `zone` holding `value`.
  std::vector<long> RecordIds(const std::string& zone, const std::string& fqdn,
                              const std::string& value);

  JsonApi api_;
  std::mutex mu_;
  std::map<std::string, long> zone_ids_;  // "example.com." → id
};

}  // namespace certpilot::dns_providers
