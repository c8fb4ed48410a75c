#include "dns_providers/acme_dns.h"

#include <nlohmann/json.hpp>

#include "dns_providers/api_support.h"
#include "solvers/credentials_ini.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;

constexpr const char* kProvider = "acme-dns";
constexpr const char* kFormat =
    "certbot-dns-acmedns's credentials format: dns_acmedns_api_url, "
    "dns_acmedns_registration_file";

std::string ErrorMessage(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string())
    return j["error"].get<std::string>();
  return "";
}

}  // namespace

std::map<std::string, AcmeDnsAccount> ParseAcmeDnsRegistrations(
    std::string_view json_text, const std::string& source) {
  const std::string shown = StripControl(source);
  json j = json::parse(json_text, nullptr, false);
  if (!j.is_object())
    throw UsageError(shown +
                     " is not an acme-dns registration file (a JSON object "
                     "of domains to their accounts)");
  std::map<std::string, AcmeDnsAccount> out;
  for (const auto& [domain, entry] : j.items()) {
    AcmeDnsAccount a;
    for (auto [field, target] : {std::pair{"username", &a.username},
                                 std::pair{"password", &a.password},
                                 std::pair{"fulldomain", &a.fulldomain},
                                 std::pair{"subdomain", &a.subdomain}}) {
      if (!entry.is_object() || !entry.contains(field) ||
          !entry[field].is_string() || entry[field].get<std::string>().empty())
        throw UsageError(shown + ": the registration of " +
                         StripControl(domain) + " has no \"" + field + "\"");
      *target = entry[field].get<std::string>();
    }
    a.fulldomain = Dotted(a.fulldomain);
    std::string key = domain;
    if (StartsWith(key, "*.")) key = key.substr(2);
    out[Dotted(key)] = a;
  }
  if (out.empty()) throw UsageError(shown + " holds no registration");
  return out;
}

AcmeDnsCredentials LoadAcmeDnsCredentials(sys::Filesystem& fs,
                                          const std::string& path) {
  const solvers::CredentialsIni ini = solvers::CredentialsIni::Parse(
      solvers::ReadCredentialsFile(fs, path, "acme-dns credentials",
                                   "the path of acme-dns accounts"),
      path, "dns_acmedns_");
  AcmeDnsCredentials c;
  solvers::CredentialValue url = ini.Required("api_url", kFormat);
  if (!StartsWith(url.text, "https://") && !StartsWith(url.text, "http://"))
    throw ini.Bad("api_url", url, "is not an http:// or https:// URL");
  c.api_url = url.text;
  while (!c.api_url.empty() && c.api_url.back() == '/') c.api_url.pop_back();
  const std::string file = ini.Required("registration_file", kFormat).text;
  c.accounts = ParseAcmeDnsRegistrations(
      solvers::ReadCredentialsFile(fs, file, "acme-dns registration file",
                                   "acme-dns account passwords"),
      file);
  return c;
}

AcmeDnsProvider::AcmeDnsProvider(AcmeDnsCredentials credentials,
                                 http::HttpClient& http)
    : credentials_(std::move(credentials)), http_(http) {}

std::string AcmeDnsProvider::Describe() const {
  return std::string(kProvider) + " at " + StripControl(credentials_.api_url);
}

const AcmeDnsAccount* AcmeDnsProvider::AccountFor(
    const std::string& fulldomain) const {
  for (const auto& [domain, account] : credentials_.accounts)
    if (account.fulldomain == fulldomain) return &account;
  return nullptr;
}

std::string AcmeDnsProvider::FindZone(const std::string& name) {
  const std::string fqdn = Dotted(name);
  if (AccountFor(fqdn)) return fqdn;
  constexpr std::string_view kLabel = "_acme-challenge.";
  if (StartsWith(fqdn, kLabel)) {
    auto it = credentials_.accounts.find(fqdn.substr(kLabel.size()));
    if (it != credentials_.accounts.end())
      throw solvers::DnsProviderError(
          StripControl(fqdn) + " is not a CNAME to its acme-dns account: add " +
              StripControl(fqdn) + " CNAME " +
              StripControl(it->second.fulldomain) +
              " to its zone (and keep --dns-cname-delegation on)",
          0);
  }
  std::vector<std::string> registered;
  for (const auto& [domain, account] : credentials_.accounts)
    registered.push_back(domain);
  throw solvers::DnsProviderError(
      "no acme-dns account for " + StripControl(fqdn) +
          ": the registration file has accounts for " +
          StripControl(Join(registered, ", ")),
      0);
}

void AcmeDnsProvider::AddTxt(const std::string& zone, const std::string& name,
                             const std::string& value, std::uint32_t ttl) {
  (void)zone;
  (void)ttl;  // acme-dns serves its records with its own TTL
  const AcmeDnsAccount* account = AccountFor(Dotted(name));
  if (!account) FindZone(name);  // throws, naming what is missing
  http::Request request;
  request.method = "POST";
  request.url = credentials_.api_url + "/update";
  request.headers = {{"X-Api-User", account->username},
                     {"X-Api-Key", account->password},
                     {"Content-Type", "application/json"},
                     {"Accept", "application/json"}};
  request.body = json{{"subdomain", account->subdomain}, {"txt", value}}.dump();
  http::Response response = http_.Do(request);
  solvers::CheckApiResponse(kProvider, request, response,
                            ErrorMessage(response.body), {account->password});
}

void AcmeDnsProvider::DeleteTxt(const std::string& zone,
                                const std::string& name,
                                const std::string& value) {
  (void)zone;
  (void)value;
  // acme-dns has no delete: the next update rotates the value out.
  log::Debug("acme-dns: " + StripControl(name) +
             " keeps its value until the next update (acme-dns has no "
             "delete)");
}

}  // namespace certpilot::dns_providers
