#include "dns_providers/linode.h"

#include "solvers/credentials_ini.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;

constexpr const char* kProvider = "Linode";
constexpr const char* kFormat =
    "certbot-dns-linode's credentials format: dns_linode_key";
constexpr int kPageSize = 500;  // the API's maximum

// "REASON; ..." from {"errors": [{"reason": ...}]}.
std::string ErrorMessage(const json& body) {
  if (!body.is_object() || !body.contains("errors") ||
      !body["errors"].is_array())
    return "";
  std::vector<std::string> reasons;
  for (const json& e : body["errors"])
    if (e.is_object() && e.contains("reason") && e["reason"].is_string())
      reasons.push_back(e["reason"].get<std::string>());
  return Join(reasons, "; ");
}

}  // namespace

LinodeCredentials ParseLinodeCredentials(std::string_view text,
                                         const std::string& source) {
  const solvers::CredentialsIni ini =
      solvers::CredentialsIni::Parse(text, source, "dns_linode_");
  LinodeCredentials out;
  out.api_url = ApiBaseUrl(ini, kLinodeApiUrl);
  out.key = ini.Required("key", kFormat).text;
  if (std::optional<solvers::CredentialValue> v = ini.Get("version"))
    if (v->text != "4")
      throw ini.Bad("version", *v,
                    "is not 4 (Linode's API v3 is gone; remove the line)");
  return out;
}

LinodeCredentials LoadLinodeCredentials(sys::Filesystem& fs,
                                        const std::string& path) {
  return ParseLinodeCredentials(
      solvers::ReadCredentialsFile(fs, path, "Linode credentials",
                                   "an API token"),
      path);
}

LinodeProvider::LinodeProvider(LinodeCredentials credentials,
                               http::HttpClient& http)
    : api_(kProvider, credentials.api_url,
           {{"Authorization", "Bearer " + credentials.key}}, {credentials.key},
           ErrorMessage, http) {}

std::string LinodeProvider::Describe() const {
  return std::string(kProvider) + " at " + StripControl(api_.base_url());
}

std::vector<json> LinodeProvider::List(const std::string& path) {
  std::vector<json> items;
  for (int page = 1, pages = 1; page <= pages && page <= 1000; ++page) {
    const std::string target = path + "?page=" + std::to_string(page) +
                               "&page_size=" + std::to_string(kPageSize);
    json body = api_.Call("GET", target);
    if (!body.is_object() || !body.contains("data") || !body["data"].is_array())
      throw solvers::DnsProviderError(std::string(kProvider) + " API: GET " +
                                          StripControl(target) +
                                          " answered no data list",
                                      0);
    for (json& item : body["data"]) items.push_back(std::move(item));
    if (body.contains("pages") && body["pages"].is_number_integer())
      pages = body["pages"].get<int>();
  }
  return items;
}

std::string LinodeProvider::FindZone(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindZoneLocked(name);
}

std::string LinodeProvider::FindZoneLocked(const std::string& name) {
  std::vector<std::string> hosted;
  std::map<std::string, long> ids;
  for (const json& d : List("/domains")) {
    if (!d.is_object() || !d.contains("domain") || !d["domain"].is_string() ||
        !d.contains("id") || !d["id"].is_number_integer())
      continue;
    const std::string zone = Dotted(d["domain"].get<std::string>());
    hosted.push_back(zone);
    ids[zone] = d["id"].get<long>();
  }
  const std::string fqdn = Dotted(name);
  const std::string best = LongestZone(fqdn, hosted);
  if (best.empty()) ThrowNoZone(fqdn, Describe(), hosted);
  zone_ids_[best] = ids[best];
  return best;
}

long LinodeProvider::ZoneId(const std::string& zone) {
  if (!zone_ids_.count(zone)) FindZoneLocked(zone);
  return zone_ids_.at(zone);
}

std::vector<long> LinodeProvider::RecordIds(const std::string& zone,
                                            const std::string& fqdn,
                                            const std::string& value) {
  const std::string relative = RelativeName(fqdn, zone);
  std::vector<long> ids;
  for (const json& r :
       List("/domains/" + std::to_string(ZoneId(zone)) + "/records"))
    if (r.is_object() && r.value("type", "") == "TXT" &&
        ToLower(r.value("name", "")) == (relative == "@" ? "" : relative) &&
        UnquoteTxt(r.value("target", "")) == value && r.contains("id") &&
        r["id"].is_number_integer())
      ids.push_back(r["id"].get<long>());
  return ids;
}

void LinodeProvider::AddTxt(const std::string& zone, const std::string& name,
                            const std::string& value, std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string fqdn = Dotted(name);
  if (!RecordIds(zone, fqdn, value).empty()) return;
  const std::string relative = RelativeName(fqdn, zone);
  api_.Call("POST", "/domains/" + std::to_string(ZoneId(zone)) + "/records",
            json{{"type", "TXT"},
                 {"name", relative == "@" ? "" : relative},
                 {"target", value},
                 {"ttl_sec", ttl}});
}

void LinodeProvider::DeleteTxt(const std::string& zone, const std::string& name,
                               const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  for (long id : RecordIds(zone, Dotted(name), value))
    api_.Call("DELETE", "/domains/" + std::to_string(ZoneId(zone)) +
                            "/records/" + std::to_string(id));
}

}  // namespace certpilot::dns_providers
