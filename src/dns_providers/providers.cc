#include "dns_providers/providers.h"

#include "dns_providers/acme_dns.h"
#include "dns_providers/cloudflare.h"
#include "dns_providers/digitalocean.h"
#include "dns_providers/gandi.h"
#include "dns_providers/google.h"
#include "dns_providers/hetzner.h"
#include "dns_providers/linode.h"
#include "dns_providers/ovh.h"
#include "dns_providers/powerdns.h"
#include "dns_providers/route53.h"

namespace certpilot::dns_providers {
namespace {

// The providers that wait (Route 53's INSYNC, Google's "done") or sign with
// the time (AWS, OVH) read the real clock; their tests pass a fake one.
Clock& RealClock() {
  static SystemClock clock;
  return clock;
}

}  // namespace

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
      {"hetzner",
       "Hetzner DNS (API v1)",
       {"dns_hetzner_api_token"},
       {"dns_hetzner_api_url"},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<HetznerProvider>(
             LoadHetznerCredentials(fs, path), http);
       }},
      {"gandi",
       "Gandi LiveDNS (API v5)",
       {"dns_gandi_token"},
       {"dns_gandi_api_key", "dns_gandi_sharing_id", "dns_gandi_api_url"},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<GandiProvider>(LoadGandiCredentials(fs, path),
                                                http);
       }},
      {"route53",
       "Amazon Route 53 (AWS Signature Version 4)",
       {"dns_route53_access_key_id", "dns_route53_secret_access_key"},
       {"dns_route53_session_token", "dns_route53_api_url"},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<Route53Provider>(
             LoadRoute53Credentials(fs, path), http, RealClock());
       },
       /*https_only=*/true,
       /*credentials_optional=*/true},
      {"google",
       "Google Cloud DNS (service account JSON key)",
       {"type", "project_id", "private_key_id", "private_key", "client_email",
        "token_uri"},
       {"dns_google_api_url"},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<GoogleCloudDnsProvider>(
             LoadGoogleServiceAccount(fs, path), http, RealClock());
       }},
      {"ovh",
       "OVHcloud (API v1)",
       {"dns_ovh_endpoint", "dns_ovh_application_key",
        "dns_ovh_application_secret", "dns_ovh_consumer_key"},
       {"dns_ovh_api_url"},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<OvhProvider>(LoadOvhCredentials(fs, path),
                                              http, RealClock());
       }},
      {"acmedns",
       "acme-dns (update API; CNAME delegation)",
       {"dns_acmedns_api_url", "dns_acmedns_registration_file"},
       {},
       [](sys::Filesystem& fs, const std::string& path,
          http::HttpClient& http) -> std::unique_ptr<solvers::DnsProvider> {
         return std::make_unique<AcmeDnsProvider>(
             LoadAcmeDnsCredentials(fs, path), http);
       },
       /*https_only=*/false},  // a self-hosted acme-dns may speak plain HTTP
  };
  return providers;
}

const ProviderInfo* FindProvider(std::string_view authenticator) {
  for (const ProviderInfo& p : Providers())
    if (authenticator == p.authenticator()) return &p;
  return nullptr;
}

}  // namespace certpilot::dns_providers
