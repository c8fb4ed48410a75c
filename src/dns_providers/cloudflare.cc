#include "dns_providers/cloudflare.h"

#include <algorithm>

#include "solvers/credentials_ini.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;

constexpr const char* kProvider = "Cloudflare";
constexpr const char* kFormat =
    "certbot-dns-cloudflare's credentials format: dns_cloudflare_api_token, "
    "or dns_cloudflare_email and dns_cloudflare_api_key";
constexpr int kPerPage = 100;

// "CODE: MESSAGE; ..." from {"success": false, "errors": [...]}.
std::string ErrorMessage(const json& body) {
  if (!body.is_object() || !body.contains("errors") ||
      !body["errors"].is_array())
    return "";
  std::vector<std::string> parts;
  for (const json& e : body["errors"]) {
    if (!e.is_object()) continue;
    std::string part;
    if (e.contains("code") && e["code"].is_number_integer())
      part = std::to_string(e["code"].get<long>()) + ": ";
    if (e.contains("message") && e["message"].is_string())
      part += e["message"].get<std::string>();
    parts.push_back(part);
  }
  return Join(parts, "; ");
}

http::Headers AuthHeaders(const CloudflareCredentials& c) {
  if (!c.api_token.empty()) return {{"Authorization", "Bearer " + c.api_token}};
  return {{"X-Auth-Email", c.email}, {"X-Auth-Key", c.api_key}};
}

// The "result" array of a list answer (an answer without one is malformed).
const json& ResultArray(const json& body, const std::string& what) {
  if (!body.is_object() || !body.contains("result") ||
      !body["result"].is_array())
    throw solvers::DnsProviderError(
        std::string(kProvider) + " API: " + what + " answered no result list",
        0);
  return body["result"];
}

}  // namespace

CloudflareCredentials ParseCloudflareCredentials(std::string_view text,
                                                 const std::string& source) {
  const solvers::CredentialsIni ini =
      solvers::CredentialsIni::Parse(text, source, "dns_cloudflare_");
  CloudflareCredentials out;
  out.api_url = ApiBaseUrl(ini, kCloudflareApiUrl);
  std::optional<solvers::CredentialValue> token = ini.Get("api_token");
  std::optional<solvers::CredentialValue> email = ini.Get("email");
  std::optional<solvers::CredentialValue> key = ini.Get("api_key");
  if (token) {
    if (email || key)
      throw ini.Bad("api_token", *token,
                    "is given with dns_cloudflare_email/api_key: use the API "
                    "token or the global API key, not both");
    out.api_token = token->text;
    return out;
  }
  if (!email && !key)
    throw UsageError(ini.source() + ": missing dns_cloudflare_api_token (" +
                     kFormat + ")");
  out.email = ini.Required("email", kFormat).text;
  out.api_key = ini.Required("api_key", kFormat).text;
  return out;
}

CloudflareCredentials LoadCloudflareCredentials(sys::Filesystem& fs,
                                                const std::string& path) {
  return ParseCloudflareCredentials(
      solvers::ReadCredentialsFile(fs, path, "Cloudflare credentials",
                                   "an API token"),
      path);
}

CloudflareProvider::CloudflareProvider(CloudflareCredentials credentials,
                                       http::HttpClient& http)
    : api_(kProvider, credentials.api_url, AuthHeaders(credentials),
           {credentials.api_token, credentials.api_key}, ErrorMessage, http) {}

std::string CloudflareProvider::Describe() const {
  return std::string(kProvider) + " at " + StripControl(api_.base_url());
}

std::string CloudflareProvider::FindZone(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindZoneLocked(name);
}

std::string CloudflareProvider::FindZoneLocked(const std::string& name) {
  const std::vector<std::string> candidates = CandidateZones(name);
  for (const std::string& candidate : candidates) {
    const std::string path = "/zones?name=" + QueryEscape(candidate);
    json body = api_.Call("GET", path);
    for (const json& z : ResultArray(body, "GET " + path)) {
      if (!z.is_object() || z.value("name", "") != candidate ||
          !z.contains("id") || !z["id"].is_string())
        continue;
      const std::string id = z["id"].get<std::string>();
      if (id.empty() || id.find_first_of("/?#% ") != std::string::npos)
        throw solvers::DnsProviderError(
            std::string(kProvider) + " API: zone id \"" + StripControl(id) +
                "\" is not usable in a URL",
            0);
      zone_ids_[candidate + "."] = id;
      return candidate + ".";
    }
  }
  ThrowNoZoneAmong(Dotted(name), Describe(), candidates);
}

const std::string& CloudflareProvider::ZoneId(const std::string& zone) {
  if (!zone_ids_.count(zone)) FindZoneLocked(zone);
  return zone_ids_.at(zone);
}

std::vector<std::string> CloudflareProvider::RecordIds(
    const std::string& zone_id, const std::string& fqdn,
    const std::string& value) {
  std::vector<std::string> ids;
  for (int page = 1, pages = 1; page <= pages; ++page) {
    const std::string path =
        "/zones/" + zone_id +
        "/dns_records?type=TXT&name=" + QueryEscape(Undotted(fqdn)) +
        "&page=" + std::to_string(page) +
        "&per_page=" + std::to_string(kPerPage);
    json body = api_.Call("GET", path);
    for (const json& r : ResultArray(body, "GET " + path))
      if (r.is_object() && r.value("type", "") == "TXT" &&
          Dotted(r.value("name", "")) == fqdn &&
          UnquoteTxt(r.value("content", "")) == value && r.contains("id") &&
          r["id"].is_string())
        ids.push_back(r["id"].get<std::string>());
    if (body.contains("result_info") && body["result_info"].is_object() &&
        body["result_info"].contains("total_pages") &&
        body["result_info"]["total_pages"].is_number_integer())
      pages = std::min(body["result_info"]["total_pages"].get<int>(), 1000);
  }
  return ids;
}

void CloudflareProvider::AddTxt(const std::string& zone,
                                const std::string& name,
                                const std::string& value, std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string& id = ZoneId(zone);
  const std::string fqdn = Dotted(name);
  if (!RecordIds(id, fqdn, value).empty()) return;
  api_.Call("POST", "/zones/" + id + "/dns_records",
            json{{"type", "TXT"},
                 {"name", Undotted(fqdn)},
                 {"content", value},
                 {"ttl", ttl}});
}

void CloudflareProvider::DeleteTxt(const std::string& zone,
                                   const std::string& name,
                                   const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string& id = ZoneId(zone);
  for (const std::string& record : RecordIds(id, Dotted(name), value)) {
    if (record.find_first_of("/?#% ") != std::string::npos) continue;
    api_.Call("DELETE", "/zones/" + id + "/dns_records/" + record);
  }
}

}  // namespace certpilot::dns_providers
