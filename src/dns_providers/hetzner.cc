#include "dns_providers/hetzner.h"

#include <algorithm>

#include "solvers/credentials_ini.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;

constexpr const char* kProvider = "Hetzner DNS";
constexpr const char* kFormat =
    "the Hetzner DNS credentials format: dns_hetzner_api_token";
constexpr int kPerPage = 100;

// {"error": {"message"}} from the API, {"message"} from its gateway.
std::string ErrorMessage(const json& body) {
  if (!body.is_object()) return "";
  if (body.contains("error") && body["error"].is_object() &&
      body["error"].contains("message") && body["error"]["message"].is_string())
    return body["error"]["message"].get<std::string>();
  if (body.contains("message") && body["message"].is_string())
    return body["message"].get<std::string>();
  return "";
}

// The `key` array of an answer, or throws naming the request.
const json& ListOf(const json& body, const char* key, const std::string& what) {
  if (!body.is_object() || !body.contains(key) || !body[key].is_array())
    throw solvers::DnsProviderError(std::string(kProvider) +
                                        " API: " + StripControl(what) +
                                        " answered no " + key,
                                    0);
  return body[key];
}

}  // namespace

HetznerCredentials ParseHetznerCredentials(std::string_view text,
                                           const std::string& source) {
  const solvers::CredentialsIni ini =
      solvers::CredentialsIni::Parse(text, source, "dns_hetzner_");
  HetznerCredentials out;
  out.api_url = ApiBaseUrl(ini, kHetznerApiUrl);
  out.token = ini.Required("api_token", kFormat).text;
  return out;
}

HetznerCredentials LoadHetznerCredentials(sys::Filesystem& fs,
                                          const std::string& path) {
  return ParseHetznerCredentials(
      solvers::ReadCredentialsFile(fs, path, "Hetzner DNS credentials",
                                   "an API token"),
      path);
}

HetznerProvider::HetznerProvider(HetznerCredentials credentials,
                                 http::HttpClient& http)
    : api_(kProvider, credentials.api_url,
           {{"Auth-API-Token", credentials.token}}, {credentials.token},
           ErrorMessage, http) {}

std::string HetznerProvider::Describe() const {
  return std::string(kProvider) + " at " + StripControl(api_.base_url());
}

std::string HetznerProvider::ZoneIdLocked(const std::string& name) {
  if (auto it = zone_ids_.find(name); it != zone_ids_.end()) return it->second;
  const std::string path = "/zones?name=" + QueryEscape(name);
  const json body = api_.Call("GET", path, nullptr, 404);
  if (body.is_null()) return "";
  for (const json& z : ListOf(body, "zones", "GET " + path))
    if (z.is_object() && ToLower(z.value("name", "")) == name &&
        z.contains("id") && z["id"].is_string())
      return zone_ids_[name] = PathSegment(kProvider, z["id"]);
  return "";
}

std::string HetznerProvider::FindZone(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::vector<std::string> candidates = CandidateZones(name);
  for (const std::string& candidate : candidates)
    if (!ZoneIdLocked(candidate).empty()) return candidate + ".";
  ThrowNoZoneAmong(Dotted(name), Describe(), candidates);
}

std::vector<std::string> HetznerProvider::RecordIds(const std::string& zone,
                                                    const std::string& fqdn,
                                                    const std::string& value) {
  const std::string zone_id = ZoneIdLocked(Undotted(zone));
  if (zone_id.empty()) ThrowNoZoneAmong(fqdn, Describe(), {Undotted(zone)});
  const std::string relative = RelativeName(fqdn, zone);
  std::vector<std::string> ids;
  for (int page = 1; page <= 1000; ++page) {
    const std::string path = "/records?zone_id=" + QueryEscape(zone_id) +
                             "&page=" + std::to_string(page) +
                             "&per_page=" + std::to_string(kPerPage);
    const json body = api_.Call("GET", path);
    for (const json& r : ListOf(body, "records", "GET " + path))
      if (r.is_object() && r.value("type", "") == "TXT" &&
          ToLower(r.value("name", "")) == relative &&
          UnquoteTxt(r.value("value", "")) == value && r.contains("id") &&
          r["id"].is_string())
        ids.push_back(PathSegment(kProvider, r["id"]));
    const json pagination =
        body.contains("meta") && body["meta"].is_object()
            ? body["meta"].value("pagination", json::object())
            : json::object();
    if (!pagination.is_object() || !pagination.contains("last_page") ||
        !pagination["last_page"].is_number_integer() ||
        pagination["last_page"].get<int>() <= page)
      break;
  }
  return ids;
}

void HetznerProvider::AddTxt(const std::string& zone, const std::string& name,
                             const std::string& value, std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string fqdn = Dotted(name);
  if (!RecordIds(zone, fqdn, value).empty()) return;
  api_.Call("POST", "/records",
            json{{"zone_id", ZoneIdLocked(Undotted(zone))},
                 {"type", "TXT"},
                 {"name", RelativeName(fqdn, zone)},
                 {"value", value},
                 {"ttl", std::max<std::uint32_t>(ttl, 60)}});
}

void HetznerProvider::DeleteTxt(const std::string& zone,
                                const std::string& name,
                                const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& id : RecordIds(zone, Dotted(name), value))
    api_.Call("DELETE", "/records/" + id, nullptr, 404);
}

}  // namespace certpilot::dns_providers
