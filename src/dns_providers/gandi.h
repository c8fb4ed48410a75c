// Gandi LiveDNS through Gandi's API v5 (`--dns-gandi`), with
// certbot-dns-gandi's credentials file: a personal access token (sent as
// "Authorization: Bearer")
//   dns_gandi_token = 0123456789abcdef0123456789abcdef01234567
// or, deprecated by Gandi, an API key (sent as "Authorization: Apikey")
//   dns_gandi_api_key = 0123456789abcdefABCDEF01
// Optional: dns_gandi_sharing_id (an organization's id, sent as the
// sharing_id query parameter) and, for API proxies,
//   dns_gandi_api_url = https://proxy.example.com/v5/livedns
//
// The API (api.gandi.net/docs/livedns): the zone is found with
// GET /domains/FQDN (404 when the account has no such domain), trying the
// challenge name's parents longest first. Records are record sets: GET
// /domains/FQDN/records/NAME/TXT answers {"rrset_values": [...]} (404 when
// there is none), PUT with {"rrset_ttl" (300 at least), "rrset_values"}
// replaces the set and DELETE removes it. Adding or removing one value is
// therefore read, change, write; the provider serializes its calls, and
// the values go as zone-file TXT text ("\"value\""). Errors are {"code",
// "message", "object", "cause"}.
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

inline constexpr const char* kGandiApiUrl = "https://api.gandi.net/v5/livedns";

struct GandiCredentials {
  std::string api_url = kGandiApiUrl;
  std::string token;    // a personal access token, or
  std::string api_key;  // a legacy API key
  std::string sharing_id;
};

// Throws UsageError naming the file, line and key (never a value): exactly
// one of dns_gandi_token and dns_gandi_api_key must be set.
GandiCredentials ParseGandiCredentials(std::string_view text,
                                       const std::string& source);
// Reads `path` after the 0600 check (solvers/credentials_ini.h) and parses.
GandiCredentials LoadGandiCredentials(sys::Filesystem& fs,
                                      const std::string& path);

// Thread-safe: calls are serialized.
class GandiProvider : public solvers::DnsProvider {
 public:
  // `http` must outlive the provider. No I/O here.
  GandiProvider(GandiCredentials credentials, http::HttpClient& http);

  std::string Describe() const override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  // The path of the TXT record set at `fqdn` (dotted) in `zone`.
  std::string RrsetPath(const std::string& zone, const std::string& fqdn) const;
  // The set's values (unquoted) and TTL; empty when there is none.
  std::vector<std::string> Values(const std::string& path, std::uint32_t* ttl);
  // Replaces the set at `path` with `values` (TTL at least 300).
  void PutValues(const std::string& path,
                 const std::vector<std::string>& values, std::uint32_t ttl);
  // `path` with the sharing_id query parameter when one is configured.
  std::string WithSharing(const std::string& path) const;

  JsonApi api_;
  std::string sharing_id_;
  std::mutex mu_;
};

}  // namespace certpilot::dns_providers
