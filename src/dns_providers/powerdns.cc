#include "dns_providers/powerdns.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "dns_providers/api_support.h"
#include "solvers/credentials_ini.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;

constexpr const char* kProvider = "PowerDNS";
constexpr const char* kFormat =
    "certbot-dns-powerdns's credentials format: dns_powerdns_api_url, "
    "dns_powerdns_api_key";

// PowerDNS keeps TXT content in zone-file form: "\"value\"". Our values are
// base64url (RFC 8555 §8.4): no quotes or backslashes to escape.
std::string Quoted(const std::string& value) { return "\"" + value + "\""; }

std::string Unquoted(const std::string& content) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < content.size(); ++i) {
    char c = content[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted && c == '\\' && i + 1 < content.size()) {
      out += content[++i];
    } else if (quoted) {
      out += c;
    }
  }
  return out;
}

// The "error" member of a PowerDNS error body, if it is JSON with one.
std::string ErrorMessage(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string())
    return j["error"].get<std::string>();
  return "";
}

}  // namespace

PowerDnsCredentials ParsePowerDnsCredentials(std::string_view text,
                                             const std::string& source) {
  const solvers::CredentialsIni ini =
      solvers::CredentialsIni::Parse(text, source, "dns_powerdns_");
  PowerDnsCredentials out;
  solvers::CredentialValue url = ini.Required("api_url", kFormat);
  if (!StartsWith(url.text, "https://") && !StartsWith(url.text, "http://"))
    throw ini.Bad("api_url", url, "is not an http:// or https:// URL");
  out.api_url = url.text;
  while (!out.api_url.empty() && out.api_url.back() == '/')
    out.api_url.pop_back();
  if (!EndsWith(out.api_url, "/api/v1")) out.api_url += "/api/v1";
  out.api_key = ini.Required("api_key", kFormat).text;
  if (std::optional<solvers::CredentialValue> id = ini.Get("server_id")) {
    if (id->text.find_first_of("/?#% ") != std::string::npos)
      throw ini.Bad("server_id", *id, "is not a server id");
    out.server_id = id->text;
  }
  return out;
}

PowerDnsCredentials LoadPowerDnsCredentials(sys::Filesystem& fs,
                                            const std::string& path) {
  return ParsePowerDnsCredentials(
      solvers::ReadCredentialsFile(fs, path, "PowerDNS credentials",
                                   "an API key"),
      path);
}

PowerDnsProvider::PowerDnsProvider(PowerDnsCredentials credentials,
                                   http::HttpClient& http)
    : credentials_(std::move(credentials)), http_(http) {}

std::string PowerDnsProvider::Describe() const {
  return std::string(kProvider) + " at " + StripControl(credentials_.api_url);
}

http::Response PowerDnsProvider::Call(const std::string& method,
                                      const std::string& path,
                                      const std::string& body) {
  http::Request request;
  request.method = method;
  request.url =
      credentials_.api_url + "/servers/" + credentials_.server_id + path;
  request.headers = {{"X-API-Key", credentials_.api_key},
                     {"Accept", "application/json"}};
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
  }
  request.max_body_bytes = 16 << 20;  // a whole zone
  http::Response response = http_.Do(request);
  solvers::CheckApiResponse(kProvider, request, response,
                            ErrorMessage(response.body),
                            {credentials_.api_key});
  return response;
}

std::string PowerDnsProvider::FindZone(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindZoneLocked(name);
}

std::string PowerDnsProvider::FindZoneLocked(const std::string& name) {
  const std::string fqdn = Dotted(name);
  json zones =
      ParseApiJson(kProvider, Call("GET", "/zones").body, "GET /zones");
  std::map<std::string, std::string> ids;  // zone → API id
  std::vector<std::string> hosted;
  if (zones.is_array()) {
    for (const json& z : zones) {
      if (!z.is_object() || !z.contains("name") || !z["name"].is_string() ||
          !z.contains("id") || !z["id"].is_string())
        continue;
      const std::string zone = Dotted(z["name"].get<std::string>());
      hosted.push_back(zone);
      ids[zone] = z["id"].get<std::string>();
    }
  }
  const std::string best = LongestZone(fqdn, hosted);
  if (best.empty()) ThrowNoZone(fqdn, Describe(), hosted);
  const std::string best_id = ids[best];
  if (best_id.find_first_of("/?#% ") != std::string::npos)
    throw solvers::DnsProviderError(
        std::string(kProvider) + " API: zone id \"" + StripControl(best_id) +
            "\" is not usable in a URL",
        0);
  zone_ids_[best] = best_id;
  return best;
}

std::vector<std::string> PowerDnsProvider::TxtValues(const std::string& zone,
                                                     const std::string& name,
                                                     std::uint32_t* ttl) {
  const std::string path = "/zones/" + zone_ids_.at(zone);
  json z = ParseApiJson(kProvider, Call("GET", path).body, "GET " + path);
  std::vector<std::string> values;
  if (!z.is_object() || !z.contains("rrsets") || !z["rrsets"].is_array())
    return values;
  for (const json& rrset : z["rrsets"]) {
    if (!rrset.is_object() || rrset.value("type", "") != "TXT" ||
        Dotted(rrset.value("name", "")) != name)
      continue;
    if (ttl && rrset.contains("ttl") && rrset["ttl"].is_number_unsigned())
      *ttl = rrset["ttl"].get<std::uint32_t>();
    if (!rrset.contains("records") || !rrset["records"].is_array()) continue;
    for (const json& r : rrset["records"])
      if (r.is_object() && r.contains("content") && r["content"].is_string())
        values.push_back(Unquoted(r["content"].get<std::string>()));
  }
  return values;
}

void PowerDnsProvider::Replace(const std::string& zone, const std::string& name,
                               const std::vector<std::string>& values,
                               std::uint32_t ttl) {
  json rrset = {{"name", name}, {"type", "TXT"}, {"ttl", ttl}};
  if (values.empty()) {
    rrset["changetype"] = "DELETE";
  } else {
    rrset["changetype"] = "REPLACE";
    json records = json::array();
    for (const std::string& v : values)
      records.push_back({{"content", Quoted(v)}, {"disabled", false}});
    rrset["records"] = records;
  }
  Call("PATCH", "/zones/" + zone_ids_.at(zone),
       json{{"rrsets", json::array({rrset})}}.dump());
}

void PowerDnsProvider::AddTxt(const std::string& zone, const std::string& name,
                              const std::string& value, std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!zone_ids_.count(zone)) FindZoneLocked(zone);
  const std::string fqdn = Dotted(name);
  std::vector<std::string> values = TxtValues(zone, fqdn, nullptr);
  if (std::find(values.begin(), values.end(), value) != values.end()) return;
  values.push_back(value);
  Replace(zone, fqdn, values, ttl);
}

void PowerDnsProvider::DeleteTxt(const std::string& zone,
                                 const std::string& name,
                                 const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!zone_ids_.count(zone)) FindZoneLocked(zone);
  const std::string fqdn = Dotted(name);
  std::uint32_t ttl = 120;
  std::vector<std::string> values = TxtValues(zone, fqdn, &ttl);
  auto it = std::find(values.begin(), values.end(), value);
  if (it == values.end()) return;
  values.erase(it);
  Replace(zone, fqdn, values, ttl);
}

}  // namespace certpilot::dns_providers
