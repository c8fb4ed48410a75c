#include "dns_providers/ovh.h"

#include <nlohmann/json.hpp>

#include "crypto/digest.h"
#include "dns_providers/api_support.h"
#include "solvers/credentials_ini.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;

constexpr const char* kProvider = "OVH";
constexpr const char* kFormat =
    "certbot-dns-ovh's credentials format: dns_ovh_endpoint, "
    "dns_ovh_application_key, dns_ovh_application_secret, "
    "dns_ovh_consumer_key";

// python-ovh's endpoint names, which certbot-dns-ovh passes through.
constexpr std::pair<const char*, const char*> kEndpoints[] = {
    {"ovh-eu", "https://eu.api.ovh.com/1.0"},
    {"ovh-ca", "https://ca.api.ovh.com/1.0"},
    {"ovh-us", "https://api.us.ovhcloud.com/1.0"},
    {"kimsufi-eu", "https://eu.api.kimsufi.com/1.0"},
    {"kimsufi-ca", "https://ca.api.kimsufi.com/1.0"},
    {"soyoustart-eu", "https://eu.api.soyoustart.com/1.0"},
    {"soyoustart-ca", "https://ca.api.soyoustart.com/1.0"},
};

std::string ErrorMessage(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return j["message"].get<std::string>();
  return "";
}

// A TXT target as OVH may return it: with or without zone-file quotes.
std::string Unquoted(const std::string& target) {
  if (target.size() >= 2 && target.front() == '"' && target.back() == '"')
    return target.substr(1, target.size() - 2);
  return target;
}

// OVH's subDomain: relative to the zone, "" for the apex.
std::string SubDomain(const std::string& fqdn, const std::string& zone) {
  std::string sub = RelativeName(fqdn, zone);
  return sub == "@" ? "" : sub;
}

}  // namespace

OvhCredentials ParseOvhCredentials(std::string_view text,
                                   const std::string& source) {
  const solvers::CredentialsIni ini =
      solvers::CredentialsIni::Parse(text, source, "dns_ovh_");
  OvhCredentials c;
  const solvers::CredentialValue endpoint = ini.Required("endpoint", kFormat);
  for (const auto& [name, url] : kEndpoints)
    if (ToLower(endpoint.text) == name) c.api_url = url;
  if (c.api_url.empty()) {
    if (!StartsWith(endpoint.text, "https://") || endpoint.text.size() <= 8) {
      std::vector<std::string> names;
      for (const auto& [name, url] : kEndpoints) names.push_back(name);
      throw ini.Bad(
          "endpoint", endpoint,
          "is neither one of " + Join(names, ", ") + " nor an https:// URL");
    }
    c.api_url = endpoint.text;
    while (c.api_url.back() == '/') c.api_url.pop_back();
  }
  c.api_url = ApiBaseUrl(ini, c.api_url);
  c.application_key = ini.Required("application_key", kFormat).text;
  c.application_secret = ini.Required("application_secret", kFormat).text;
  c.consumer_key = ini.Required("consumer_key", kFormat).text;
  return c;
}

OvhCredentials LoadOvhCredentials(sys::Filesystem& fs,
                                  const std::string& path) {
  return ParseOvhCredentials(
      solvers::ReadCredentialsFile(fs, path, "OVH credentials",
                                   "an application secret and consumer key"),
      path);
}

std::string OvhSignature(const OvhCredentials& c, std::string_view method,
                         std::string_view url, std::string_view body,
                         long long timestamp) {
  return "$1$" +
         crypto::Sha1Hex(c.application_secret + "+" + c.consumer_key + "+" +
                         std::string(method) + "+" + std::string(url) + "+" +
                         std::string(body) + "+" + std::to_string(timestamp));
}

OvhProvider::OvhProvider(OvhCredentials credentials, http::HttpClient& http,
                         Clock& clock)
    : credentials_(std::move(credentials)), http_(http), clock_(clock) {}

std::string OvhProvider::Describe() const {
  return std::string(kProvider) + " at " + StripControl(credentials_.api_url);
}

http::Response OvhProvider::Call(const std::string& method,
                                 const std::string& path,
                                 const std::string& body) {
  const std::vector<std::string> secrets = {credentials_.application_secret,
                                            credentials_.consumer_key};
  if (!time_delta_) {
    http::Request time;
    time.url = credentials_.api_url + "/auth/time";
    time.headers = {{"Accept", "application/json"}};
    http::Response r = http_.Do(time);
    solvers::CheckApiResponse(kProvider, time, r, ErrorMessage(r.body),
                              secrets);
    json t = ParseApiJson(kProvider, r.body, "GET /auth/time");
    if (!t.is_number_integer())
      throw solvers::DnsProviderError(
          std::string(kProvider) + " API: GET /auth/time answered no time", 0);
    time_delta_ = t.get<long long>() - UnixSeconds(clock_.Now());
  }
  http::Request request;
  request.method = method;
  request.url = credentials_.api_url + path;
  request.body = body;
  const long long timestamp = UnixSeconds(clock_.Now()) + *time_delta_;
  request.headers = {
      {"Accept", "application/json"},
      {"X-Ovh-Application", credentials_.application_key},
      {"X-Ovh-Consumer", credentials_.consumer_key},
      {"X-Ovh-Timestamp", std::to_string(timestamp)},
      {"X-Ovh-Signature",
       OvhSignature(credentials_, method, request.url, body, timestamp)}};
  if (!body.empty())
    request.headers.emplace_back("Content-Type", "application/json");
  request.max_body_bytes = 16 << 20;
  http::Response response = http_.Do(request);
  solvers::CheckApiResponse(kProvider, request, response,
                            ErrorMessage(response.body), secrets);
  return response;
}

std::string OvhProvider::FindZone(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string fqdn = Dotted(name);
  json zones = ParseApiJson(kProvider, Call("GET", "/domain/zone").body,
                            "GET /domain/zone");
  std::vector<std::string> hosted;
  if (zones.is_array())
    for (const json& z : zones)
      if (z.is_string()) hosted.push_back(Dotted(z.get<std::string>()));
  const std::string best = LongestZone(fqdn, hosted);
  if (best.empty()) ThrowNoZone(fqdn, Describe(), hosted);
  return best;
}

std::vector<long long> OvhProvider::RecordIds(const std::string& zone,
                                              const std::string& name,
                                              const std::string& value) {
  const std::string base = "/domain/zone/" + QueryEscape(Undotted(zone));
  const std::string list = base + "/record?fieldType=TXT&subDomain=" +
                           QueryEscape(SubDomain(name, zone));
  json ids = ParseApiJson(kProvider, Call("GET", list).body, "GET " + list);
  std::vector<long long> out;
  if (!ids.is_array()) return out;
  for (const json& id : ids) {
    if (!id.is_number_integer()) continue;
    const std::string path =
        base + "/record/" + std::to_string(id.get<long long>());
    json record =
        ParseApiJson(kProvider, Call("GET", path).body, "GET " + path);
    if (record.is_object() && record.contains("target") &&
        record["target"].is_string() &&
        Unquoted(record["target"].get<std::string>()) == value)
      out.push_back(id.get<long long>());
  }
  return out;
}

void OvhProvider::AddTxt(const std::string& zone, const std::string& name,
                         const std::string& value, std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string fqdn = Dotted(name);
  if (!RecordIds(zone, fqdn, value).empty()) return;
  const std::string base = "/domain/zone/" + QueryEscape(Undotted(zone));
  Call("POST", base + "/record",
       json{{"fieldType", "TXT"},
            {"subDomain", SubDomain(fqdn, zone)},
            {"target", value},
            {"ttl", ttl}}
           .dump());
  Call("POST", base + "/refresh");
}

void OvhProvider::DeleteTxt(const std::string& zone, const std::string& name,
                            const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::vector<long long> ids = RecordIds(zone, Dotted(name), value);
  if (ids.empty()) return;
  const std::string base = "/domain/zone/" + QueryEscape(Undotted(zone));
  for (long long id : ids)
    Call("DELETE", base + "/record/" + std::to_string(id));
  Call("POST", base + "/refresh");
}

}  // namespace certpilot::dns_providers
