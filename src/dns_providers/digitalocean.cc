#include "dns_providers/digitalocean.h"

#include <algorithm>

#include "solvers/credentials_ini.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;

constexpr const char* kProvider = "DigitalOcean";
constexpr const char* kFormat =
    "certbot-dns-digitalocean's credentials format: dns_digitalocean_token";
constexpr int kPerPage = 200;  // the API's maximum

std::string ErrorMessage(const json& body) {
  if (body.is_object() && body.contains("message") &&
      body["message"].is_string())
    return body["message"].get<std::string>();
  return "";
}

}  // namespace

DigitalOceanCredentials ParseDigitalOceanCredentials(
    std::string_view text, const std::string& source) {
  const solvers::CredentialsIni ini =
      solvers::CredentialsIni::Parse(text, source, "dns_digitalocean_");
  DigitalOceanCredentials out;
  out.api_url = ApiBaseUrl(ini, kDigitalOceanApiUrl);
  out.token = ini.Required("token", kFormat).text;
  return out;
}

DigitalOceanCredentials LoadDigitalOceanCredentials(sys::Filesystem& fs,
                                                    const std::string& path) {
  return ParseDigitalOceanCredentials(
      solvers::ReadCredentialsFile(fs, path, "DigitalOcean credentials",
                                   "an API token"),
      path);
}

DigitalOceanProvider::DigitalOceanProvider(DigitalOceanCredentials credentials,
                                           http::HttpClient& http)
    : api_(kProvider, credentials.api_url,
           {{"Authorization", "Bearer " + credentials.token}},
           {credentials.token}, ErrorMessage, http) {}

std::string DigitalOceanProvider::Describe() const {
  return std::string(kProvider) + " at " + StripControl(api_.base_url());
}

std::string DigitalOceanProvider::FindZone(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::vector<std::string> candidates = CandidateZones(name);
  for (const std::string& candidate : candidates) {
    PathSegment(kProvider, candidate);
    json body = api_.Call("GET", "/domains/" + candidate, nullptr, 404);
    if (body.is_object() && body.contains("domain")) return candidate + ".";
  }
  ThrowNoZoneAmong(Dotted(name), Describe(), candidates);
}

std::vector<long> DigitalOceanProvider::RecordIds(const std::string& zone,
                                                  const std::string& fqdn,
                                                  const std::string& value) {
  const std::string domain = Undotted(zone);
  PathSegment(kProvider, domain);
  const std::string relative = RelativeName(fqdn, zone);
  std::vector<long> ids;
  for (int page = 1; page <= 1000; ++page) {
    const std::string path = "/domains/" + domain + "/records?type=TXT&name=" +
                             QueryEscape(Undotted(fqdn)) +
                             "&page=" + std::to_string(page) +
                             "&per_page=" + std::to_string(kPerPage);
    json body = api_.Call("GET", path);
    if (!body.is_object() || !body.contains("domain_records") ||
        !body["domain_records"].is_array())
      throw solvers::DnsProviderError(std::string(kProvider) + " API: GET " +
                                          StripControl(path) +
                                          " answered no domain_records",
                                      0);
    for (const json& r : body["domain_records"])
      if (r.is_object() && r.value("type", "") == "TXT" &&
          ToLower(r.value("name", "")) == relative &&
          UnquoteTxt(r.value("data", "")) == value && r.contains("id") &&
          r["id"].is_number_integer())
        ids.push_back(r["id"].get<long>());
    const json* next = nullptr;
    if (body.contains("links") && body["links"].is_object() &&
        body["links"].contains("pages") && body["links"]["pages"].is_object() &&
        body["links"]["pages"].contains("next"))
      next = &body["links"]["pages"]["next"];
    if (!next || !next->is_string()) break;
  }
  return ids;
}

void DigitalOceanProvider::AddTxt(const std::string& zone,
                                  const std::string& name,
                                  const std::string& value, std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string fqdn = Dotted(name);
  if (!RecordIds(zone, fqdn, value).empty()) return;
  api_.Call("POST", "/domains/" + Undotted(zone) + "/records",
            json{{"type", "TXT"},
                 {"name", RelativeName(fqdn, zone)},
                 {"data", value},
                 {"ttl", std::max<std::uint32_t>(ttl, 30)}});
}

void DigitalOceanProvider::DeleteTxt(const std::string& zone,
                                     const std::string& name,
                                     const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  for (long id : RecordIds(zone, Dotted(name), value))
    api_.Call("DELETE",
              "/domains/" + Undotted(zone) + "/records/" + std::to_string(id));
}

}  // namespace certpilot::dns_providers
