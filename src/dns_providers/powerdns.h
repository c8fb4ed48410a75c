// PowerDNS Authoritative through its HTTP API (`--dns-powerdns`), with the
// credentials file of the third-party certbot-dns-powerdns plugin:
//   dns_powerdns_api_url = https://api.mypowerdns.example.org
//   dns_powerdns_api_key = AbCbASsd!@34
//   dns_powerdns_server_id = localhost       (optional; certpilot's own)
// The URL is the API's base: "/api/v1" is appended unless it ends so.
// http:// is accepted (PowerDNS's webserver serves plain HTTP; put it behind
// TLS or keep it on loopback).
//
// The API (doc.powerdns.com/authoritative/http-api): zones are listed by
// GET /api/v1/servers/ID/zones; a zone's records by GET .../zones/ZONE_ID;
// changes are PATCH .../zones/ZONE_ID {"rrsets": [...]} where an RRset is
// replaced whole ("changetype": "REPLACE") or removed ("DELETE"), so adding
// one TXT value reads the RRset and writes it back with the value added.
// Authentication: the X-API-Key header. Errors: {"error": "..."}.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_client.h"
#include "solvers/dns_provider.h"
#include "sys/filesystem.h"

namespace certpilot::dns_providers {

struct PowerDnsCredentials {
  std::string api_url;  // the API base, ending in /api/v1
  std::string api_key;
  std::string server_id = "localhost";
};

// Throws UsageError naming the file, line and key (never the key's value).
PowerDnsCredentials ParsePowerDnsCredentials(std::string_view text,
                                             const std::string& source);
// Reads `path` after the 0600 check (solvers/credentials_ini.h) and parses.
PowerDnsCredentials LoadPowerDnsCredentials(sys::Filesystem& fs,
                                            const std::string& path);

// Thread-safe: calls are serialized, so two orders adding values at one name
// do not overwrite each other's read-modify-write of the RRset. (Another
// client changing the RRset between our GET and PATCH can still race: the
// API has no conditional update.)
class PowerDnsProvider : public solvers::DnsProvider {
 public:
  // `http` must outlive the provider. No I/O here.
  PowerDnsProvider(PowerDnsCredentials credentials, http::HttpClient& http);

  std::string Describe() const override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  std::string FindZoneLocked(const std::string& name);
  http::Response Call(const std::string& method, const std::string& path,
                      const std::string& body = "");
  // The TXT values (unquoted) and TTL at `name` in `zone`.
  std::vector<std::string> TxtValues(const std::string& zone,
                                     const std::string& name,
                                     std::uint32_t* ttl);
  void Replace(const std::string& zone, const std::string& name,
               const std::vector<std::string>& values, std::uint32_t ttl);

  PowerDnsCredentials credentials_;
  http::HttpClient& http_;
  std::mutex mu_;
  std::map<std::string, std::string> zone_ids_;  // name → API id
};

}  // namespace certpilot::dns_providers
