// acme-dns (`--dns-acmedns`), the DNS server that exists only to answer
// DNS-01 challenges (github.com/joohoi/acme-dns), with the credentials file
// of the third-party certbot-dns-acmedns plugin:
//   dns_acmedns_api_url = https://auth.example.org
//   dns_acmedns_registration_file = /etc/letsencrypt/acmedns.json
// The registration file (mode 600; pyacmedns's storage, also what lego and
// acme-dns-certbot write) maps each domain to the account acme-dns's
// POST /register gave for it:
//   {"example.com": {"username": "eabcdb41-...", "password": "pbAXVjlI...",
//                    "fulldomain": "d420c923-....auth.example.org",
//                    "subdomain": "d420c923-...", "allowfrom": []}}
// Registration is done once, by hand (curl -X POST API/register), with the
// CNAME it asks for: _acme-challenge.example.com. CNAME <fulldomain>.
// certpilot follows that CNAME (--dns-cname-delegation, on by default) to
// the fulldomain, and the update goes there: POST /update with the headers
// X-Api-User and X-Api-Key and the body {"subdomain": ..., "txt": VALUE}.
//
// acme-dns keeps the last two TXT values of an account and has no delete:
// DeleteTxt does nothing (a later update rotates the value out; it is
// worthless once validated). Two values are exactly a wildcard and its base
// name; a third value at once (a third order for the same name in one run)
// pushes out the first.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "http/http_client.h"
#include "solvers/dns_provider.h"
#include "sys/filesystem.h"

namespace certpilot::dns_providers {

struct AcmeDnsAccount {
  std::string username;
  std::string password;
  std::string fulldomain;  // dotted, lower case
  std::string subdomain;
};

struct AcmeDnsCredentials {
  std::string api_url;
  // Registration file key (a domain, "*." stripped, dotted) → account.
  std::map<std::string, AcmeDnsAccount> accounts;
};

// The registration file's JSON; throws UsageError naming `source` and the
// domain whose entry lacks a field.
std::map<std::string, AcmeDnsAccount> ParseAcmeDnsRegistrations(
    std::string_view json_text, const std::string& source);
// Reads the credentials file and the registration file it names, both
// after the 0600 check. Throws UsageError or sys::SysError.
AcmeDnsCredentials LoadAcmeDnsCredentials(sys::Filesystem& fs,
                                          const std::string& path);

// Thread-safe (no mutable state but the HTTP client's).
class AcmeDnsProvider : public solvers::DnsProvider {
 public:
  // `http` must outlive the provider. No I/O here.
  AcmeDnsProvider(AcmeDnsCredentials credentials, http::HttpClient& http);

  std::string Describe() const override;
  // The account's fulldomain when `name` is one (the end of the CNAME
  // chain). When `name` is _acme-challenge.D of a registered D instead, the
  // CNAME is missing: DnsProviderError saying which CNAME to create.
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  const AcmeDnsAccount* AccountFor(const std::string& fulldomain) const;

  AcmeDnsCredentials credentials_;
  http::HttpClient& http_;
};

}  // namespace certpilot::dns_providers
