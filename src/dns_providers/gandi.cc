#include "dns_providers/gandi.h"

#include <algorithm>

#include "solvers/credentials_ini.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;

constexpr const char* kProvider = "Gandi LiveDNS";
constexpr const char* kFormat =
    "certbot-dns-gandi's credentials format: dns_gandi_token (a personal "
    "access token) or dns_gandi_api_key";
// The API refuses a record set's TTL below 300 seconds.
constexpr std::uint32_t kMinTtl = 300;

std::string ErrorMessage(const json& body) {
  if (body.is_object() && body.contains("message") &&
      body["message"].is_string())
    return body["message"].get<std::string>();
  return "";
}

http::Headers AuthHeaders(const GandiCredentials& c) {
  if (!c.token.empty()) return {{"Authorization", "Bearer " + c.token}};
  return {{"Authorization", "Apikey " + c.api_key}};
}

}  // namespace

GandiCredentials ParseGandiCredentials(std::string_view text,
                                       const std::string& source) {
  const solvers::CredentialsIni ini =
      solvers::CredentialsIni::Parse(text, source, "dns_gandi_");
  GandiCredentials out;
  out.api_url = ApiBaseUrl(ini, kGandiApiUrl);
  std::optional<solvers::CredentialValue> token = ini.Get("token");
  std::optional<solvers::CredentialValue> key = ini.Get("api_key");
  if (token && key)
    throw ini.Bad("token", *token,
                  "is given with dns_gandi_api_key: use the personal access "
                  "token or the API key, not both");
  if (token)
    out.token = token->text;
  else if (key)
    out.api_key = key->text;
  else
    throw UsageError(ini.source() + ": missing dns_gandi_token (" + kFormat +
                     ")");
  if (std::optional<solvers::CredentialValue> sharing = ini.Get("sharing_id"))
    out.sharing_id = sharing->text;
  return out;
}

GandiCredentials LoadGandiCredentials(sys::Filesystem& fs,
                                      const std::string& path) {
  return ParseGandiCredentials(
      solvers::ReadCredentialsFile(fs, path, "Gandi credentials",
                                   "a personal access token"),
      path);
}

GandiProvider::GandiProvider(GandiCredentials credentials,
                             http::HttpClient& http)
    : api_(kProvider, credentials.api_url, AuthHeaders(credentials),
           {credentials.token, credentials.api_key}, ErrorMessage, http),
      sharing_id_(credentials.sharing_id) {}

std::string GandiProvider::Describe() const {
  return std::string(kProvider) + " at " + StripControl(api_.base_url());
}

std::string GandiProvider::WithSharing(const std::string& path) const {
  if (sharing_id_.empty()) return path;
  return path + "?sharing_id=" + QueryEscape(sharing_id_);
}

std::string GandiProvider::FindZone(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::vector<std::string> candidates = CandidateZones(name);
  for (const std::string& candidate : candidates) {
    const json body = api_.Call(
        "GET", WithSharing("/domains/" + PathSegment(kProvider, candidate)),
        nullptr, 404);
    if (body.is_object() && ToLower(body.value("fqdn", "")) == candidate)
      return candidate + ".";
  }
  ThrowNoZoneAmong(Dotted(name), Describe(), candidates);
}

std::string GandiProvider::RrsetPath(const std::string& zone,
                                     const std::string& fqdn) const {
  return "/domains/" + PathSegment(kProvider, Undotted(zone)) + "/records/" +
         PathSegment(kProvider, RelativeName(fqdn, zone)) + "/TXT";
}

std::vector<std::string> GandiProvider::Values(const std::string& path,
                                               std::uint32_t* ttl) {
  const json body = api_.Call("GET", WithSharing(path), nullptr, 404);
  std::vector<std::string> values;
  if (body.is_null()) return values;
  if (!body.is_object() || !body.contains("rrset_values") ||
      !body["rrset_values"].is_array())
    throw solvers::DnsProviderError(std::string(kProvider) + " API: GET " +
                                        StripControl(path) +
                                        " answered no rrset_values",
                                    0);
  for (const json& v : body["rrset_values"])
    if (v.is_string()) values.push_back(UnquoteTxt(v.get<std::string>()));
  if (body.contains("rrset_ttl") && body["rrset_ttl"].is_number_unsigned())
    *ttl = body["rrset_ttl"].get<std::uint32_t>();
  return values;
}

void GandiProvider::PutValues(const std::string& path,
                              const std::vector<std::string>& values,
                              std::uint32_t ttl) {
  json quoted = json::array();
  for (const std::string& v : values) quoted.push_back(QuoteTxt(v));
  api_.Call(
      "PUT", WithSharing(path),
      json{{"rrset_ttl", std::max(ttl, kMinTtl)}, {"rrset_values", quoted}});
}

void GandiProvider::AddTxt(const std::string& zone, const std::string& name,
                           const std::string& value, std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string path = RrsetPath(zone, Dotted(name));
  std::uint32_t set_ttl = ttl;
  std::vector<std::string> values = Values(path, &set_ttl);
  if (std::find(values.begin(), values.end(), value) != values.end()) return;
  values.push_back(value);
  PutValues(path, values, std::min(set_ttl, ttl));
}

void GandiProvider::DeleteTxt(const std::string& zone, const std::string& name,
                              const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string path = RrsetPath(zone, Dotted(name));
  std::uint32_t ttl = kMinTtl;
  std::vector<std::string> values = Values(path, &ttl);
  const auto it = std::find(values.begin(), values.end(), value);
  if (it == values.end()) return;
  values.erase(it);
  if (values.empty()) {
    api_.Call("DELETE", WithSharing(path), nullptr, 404);
    return;
  }
  PutValues(path, values, ttl);
}

}  // namespace certpilot::dns_providers
