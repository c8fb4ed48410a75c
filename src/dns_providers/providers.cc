#include "dns_providers/providers.h"

#include "dns_providers/cloudflare.h"
#include "dns_providers/digitalocean.h"
#include "dns_providers/linode.h"
#include "dns_providers/powerdns.h"

namespace certpilot::dns_providers {

const std::vector<ProviderInfo>& Providers() {
  static const std::vector<ProviderInfo> providers = {
      {"powerdns",
       "PowerDNS (HTTP API)",
       {"dns_powerdns_api_url", "dns_powerdns_api_key"},
       {"dns_powerdns_server_id"},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<PowerDnsProvider>(
             LoadPowerDnsCredentials(fs, path), http);
       },
       /*https_only=*/false},
      {"cloudflare",
       "Cloudflare (API v4)",
       {"dns_cloudflare_api_token"},
       {"dns_cloudflare_email", "dns_cloudflare_api_key",
        "dns_cloudflare_api_url"},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<CloudflareProvider>(
             LoadCloudflareCredentials(fs, path), http);
       }},
      {"digitalocean",
       "DigitalOcean (API v2)",
       {"dns_digitalocean_token"},
       {"dns_digitalocean_api_url"},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<DigitalOceanProvider>(
             LoadDigitalOceanCredentials(fs, path), http);
       }},
      {"linode",
       "Linode (API v4)",
       {"dns_linode_key"},
       {"dns_linode_version", "dns_linode_api_url"},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<LinodeProvider>(
             LoadLinodeCredentials(fs, path), http);
       }},
  };
  return providers;
}

const ProviderInfo* FindProvider(std::string_view authenticator) {
  for (const ProviderInfo& p : Providers())
    if (authenticator == p.authenticator()) return &p;
  return nullptr;
}

}  // namespace certpilot::dns_providers
