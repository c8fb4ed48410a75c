// The table of DNS providers: what the command line, the renewal conf, the
// solver set and `plugins` need to know about each, in one place. Adding a
// provider is its own file (powerdns.{h,cc}) plus one row here.
//
// A provider NAME gives certbot's plugin spellings: the authenticator
// "dns-NAME", the flags --dns-NAME, --dns-NAME-credentials FILE,
// --dns-NAME-propagation-seconds N, and the renewal conf key
// dns_NAME_credentials.
//
// A cloud provider's API base URL is its public endpoint by default and
// overridable through the optional credentials key dns_NAME_api_url ("for
// API proxies"; the tests point it at a contract fake on loopback), read by
// ApiBaseUrl() (api_support.h). Its TLS trust is the run's --ca-bundle.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_client.h"
#include "solvers/dns_provider.h"
#include "sys/filesystem.h"

namespace certpilot::dns_providers {

struct ProviderInfo {
  std::string name;   // "powerdns"
  std::string title;  // "PowerDNS (HTTP API)"
  // The credentials file's keys, required ones first: "dns_powerdns_api_url".
  std::vector<std::string> required_keys;
  std::vector<std::string> optional_keys;
  // Reads and checks the credentials file at `path` (mode 0600, every
  // required key, well-formed values) and makes the provider over `http`
  // (which must outlive it). Throws UsageError or sys::SysError; no
  // network I/O.
  std::function<std::unique_ptr<solvers::DnsProvider>(
      sys::Filesystem& fs, const std::string& path, http::HttpClient& http)>
      make;
  // Whether the API must be reached over https:// (CurlOptions::https_only).
  // True for every cloud API; false for PowerDNS, whose webserver speaks
  // plain HTTP.
  bool https_only = true;
  // The credentials file may be left out: make() is then called with an
  // empty path and finds the credentials elsewhere (Route 53: the
  // environment and ~/.aws/credentials, as certbot-dns-route53 does).
  bool credentials_optional = false;

  std::string authenticator() const { return "dns-" + name; }
  std::string credentials_key() const { return "dns_" + name + "_credentials"; }
};

// Every provider, in the order `plugins` lists them.
const std::vector<ProviderInfo>& Providers();

// The provider whose authenticator is `authenticator` ("dns-powerdns"), or
// nullptr.
const ProviderInfo* FindProvider(std::string_view authenticator);

}  // namespace certpilot::dns_providers
