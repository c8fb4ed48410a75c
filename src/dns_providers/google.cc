#include "dns_providers/google.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "crypto/crypto_error.h"
#include "crypto/jws.h"
#include "dns_providers/api_support.h"
#include "solvers/credentials_ini.h"
#include "util/base64url.h"
#include "util/error.h"
#include "util/poll.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;

constexpr const char* kProvider = "Google Cloud DNS";
constexpr const char* kScope =
    "https://www.googleapis.com/auth/ndev.clouddns.readwrite";
constexpr const char* kGrantType =
    "urn:ietf:params:oauth:grant-type:jwt-bearer";
// A token is renewed this long before Google says it expires.
constexpr auto kTokenMargin = std::chrono::seconds(60);

// The message of {"error": {"message"}} (the API) or {"error",
// "error_description"} (the token endpoint), or "".
std::string ErrorMessage(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "";
  const json& e = j["error"];
  if (e.is_object() && e.contains("message") && e["message"].is_string())
    return e["message"].get<std::string>();
  if (e.is_string()) {
    std::string text = e.get<std::string>();
    if (j.contains("error_description") && j["error_description"].is_string())
      text += ": " + j["error_description"].get<std::string>();
    return text;
  }
  return "";
}

std::string Quoted(const std::string& value) { return "\"" + value + "\""; }

// rrdatas hold TXT in zone-file form; a long value may be split in quoted
// strings ("a" "b"), which concatenate.
std::string Unquoted(const std::string& rrdata) {
  std::string out;
  bool quoted = false;
  for (char c : rrdata) {
    if (c == '"')
      quoted = !quoted;
    else if (quoted)
      out += c;
  }
  return out;
}

bool UrlSafe(const std::string& s) { return !s.empty() && QueryEscape(s) == s; }

}  // namespace

GoogleServiceAccount ParseGoogleServiceAccount(std::string_view json_text,
                                               const std::string& source) {
  const std::string shown = StripControl(source);
  json j = json::parse(json_text, nullptr, false);
  if (!j.is_object())
    throw UsageError(shown +
                     " is not a Google service account key (JSON) file: "
                     "download one from IAM > Service accounts > Keys");
  auto get = [&](const char* member) -> std::string {
    if (!j.contains(member) || !j[member].is_string() ||
        j[member].get<std::string>().empty())
      throw UsageError(shown + ": no \"" + member +
                       "\" (a service account key file has type, "
                       "project_id, private_key_id, private_key, "
                       "client_email and token_uri)");
    return j[member].get<std::string>();
  };
  if (get("type") != "service_account")
    throw UsageError(shown + ": \"type\" is not \"service_account\"");
  std::optional<crypto::PrivateKey> key;
  try {
    key = crypto::PrivateKey::FromPem(get("private_key"));
  } catch (const crypto::CryptoError&) {
    throw UsageError(shown + ": \"private_key\" is not a PEM private key");
  }
  if (crypto::JwsAlgorithm(*key) != "RS256")
    throw UsageError(shown + ": \"private_key\" is not an RSA key (RS256)");
  GoogleServiceAccount a{get("project_id"), get("private_key_id"), *key,
                         get("client_email"), get("token_uri")};
  if (!StartsWith(a.token_uri, "https://"))
    throw UsageError(shown + ": \"token_uri\" is not an https:// URL");
  if (!UrlSafe(a.project_id))
    throw UsageError(shown + ": \"project_id\" is not a project id");
  if (j.contains("dns_google_api_url")) {
    std::string url = get("dns_google_api_url");
    if (!StartsWith(url, "https://") || url.size() <= 8)
      throw UsageError(shown +
                       ": \"dns_google_api_url\" is not an https:// URL");
    while (url.back() == '/') url.pop_back();
    a.api_url = url;
  }
  return a;
}

GoogleServiceAccount LoadGoogleServiceAccount(sys::Filesystem& fs,
                                              const std::string& path) {
  return ParseGoogleServiceAccount(
      solvers::ReadCredentialsFile(fs, path, "Google service account key",
                                   "a private key"),
      path);
}

std::string GoogleAssertion(const GoogleServiceAccount& account,
                            TimePoint now) {
  const long long iat = UnixSeconds(now);
  const std::string input =
      Base64UrlEncode(json{
          {"alg", "RS256"}, {"typ", "JWT"}, {"kid", account.private_key_id}}
                          .dump()) +
      "." +
      Base64UrlEncode(json{
          {"iss", account.client_email},
          {"scope", kScope},
          {"aud", account.token_uri},
          {"iat", iat},
          {"exp",
           iat + 3600}}.dump());
  return input + "." +
         Base64UrlEncode(crypto::SignJws(account.private_key, input));
}

GoogleCloudDnsProvider::GoogleCloudDnsProvider(GoogleServiceAccount account,
                                               http::HttpClient& http,
                                               Clock& clock,
                                               GoogleOptions options)
    : account_(std::move(account)),
      http_(http),
      clock_(clock),
      options_(options) {}

std::string GoogleCloudDnsProvider::Describe() const {
  return std::string(kProvider) + " (project " +
         StripControl(account_.project_id) + ") at " +
         StripControl(account_.api_url);
}

const std::string& GoogleCloudDnsProvider::AccessToken() {
  if (!token_.empty() && clock_.Now() + kTokenMargin < token_expiry_)
    return token_;
  const std::string assertion = GoogleAssertion(account_, clock_.Now());
  http::Request request;
  request.method = "POST";
  request.url = account_.token_uri;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = "grant_type=" + QueryEscape(kGrantType) +
                 "&assertion=" + QueryEscape(assertion);
  http::Response response = http_.Do(request);
  solvers::CheckApiResponse(std::string(kProvider) + " token endpoint", request,
                            response, ErrorMessage(response.body), {assertion});
  json j = ParseApiJson(kProvider, response.body, "the token endpoint");
  if (!j.is_object() || !j.contains("access_token") ||
      !j["access_token"].is_string() ||
      j["access_token"].get<std::string>().empty())
    throw solvers::DnsProviderError(
        std::string(kProvider) +
            ": the token endpoint answered no access_token",
        0);
  token_ = j["access_token"].get<std::string>();
  long long expires_in = 3600;
  if (j.contains("expires_in") && j["expires_in"].is_number_integer())
    expires_in = j["expires_in"].get<long long>();
  token_expiry_ = clock_.Now() + std::chrono::seconds(expires_in);
  return token_;
}

http::Response GoogleCloudDnsProvider::Call(const std::string& method,
                                            const std::string& path,
                                            const std::string& body) {
  const std::string token = AccessToken();
  http::Request request;
  request.method = method;
  request.url = account_.api_url + "/projects/" + account_.project_id + path;
  request.headers = {{"Authorization", "Bearer " + token},
                     {"Accept", "application/json"}};
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
  }
  request.max_body_bytes = 16 << 20;
  http::Response response = http_.Do(request);
  solvers::CheckApiResponse(kProvider, request, response,
                            ErrorMessage(response.body), {token});
  return response;
}

std::string GoogleCloudDnsProvider::FindZone(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindZoneLocked(name);
}

std::string GoogleCloudDnsProvider::FindZoneLocked(const std::string& name) {
  const std::string fqdn = Dotted(name);
  std::vector<std::string> hosted;
  std::map<std::string, std::string> names;
  std::string page_token;
  for (int page = 0; page < 1000; ++page) {
    const std::string path =
        "/managedZones" +
        (page_token.empty() ? "" : "?pageToken=" + QueryEscape(page_token));
    json list = ParseApiJson(kProvider, Call("GET", path).body, "GET " + path);
    if (list.is_object() && list.contains("managedZones") &&
        list["managedZones"].is_array()) {
      for (const json& z : list["managedZones"]) {
        if (!z.is_object() || !z.contains("dnsName") ||
            !z["dnsName"].is_string() || !z.contains("name") ||
            !z["name"].is_string())
          continue;
        if (z.value("visibility", "public") != "public") continue;
        hosted.push_back(Dotted(z["dnsName"].get<std::string>()));
        names[hosted.back()] = z["name"].get<std::string>();
      }
    }
    page_token = list.is_object() && list.contains("nextPageToken") &&
                         list["nextPageToken"].is_string()
                     ? list["nextPageToken"].get<std::string>()
                     : "";
    if (page_token.empty()) break;
  }
  const std::string best = LongestZone(fqdn, hosted);
  if (best.empty()) ThrowNoZone(fqdn, Describe(), hosted);
  if (!UrlSafe(names[best]))
    throw solvers::DnsProviderError(
        std::string(kProvider) + " API: managed zone name \"" +
            StripControl(names[best]) + "\" is not usable in a URL",
        0);
  zone_names_[best] = names[best];
  return best;
}

const std::string& GoogleCloudDnsProvider::ZoneName(const std::string& zone) {
  if (!zone_names_.count(zone)) FindZoneLocked(zone);
  return zone_names_.at(zone);
}

std::vector<std::string> GoogleCloudDnsProvider::TxtValues(
    const std::string& zone_name, const std::string& name, std::uint32_t* ttl) {
  const std::string path = "/managedZones/" + zone_name +
                           "/rrsets?name=" + QueryEscape(name) + "&type=TXT";
  json list = ParseApiJson(kProvider, Call("GET", path).body, "GET " + path);
  std::vector<std::string> values;
  if (!list.is_object() || !list.contains("rrsets") ||
      !list["rrsets"].is_array())
    return values;
  for (const json& rrset : list["rrsets"]) {
    if (!rrset.is_object() || rrset.value("type", "") != "TXT" ||
        Dotted(rrset.value("name", "")) != name)
      continue;
    if (ttl && rrset.contains("ttl") && rrset["ttl"].is_number_unsigned())
      *ttl = rrset["ttl"].get<std::uint32_t>();
    if (rrset.contains("rrdatas") && rrset["rrdatas"].is_array())
      for (const json& d : rrset["rrdatas"])
        if (d.is_string()) values.push_back(Unquoted(d.get<std::string>()));
  }
  return values;
}

void GoogleCloudDnsProvider::Replace(const std::string& zone_name,
                                     const std::string& name,
                                     const std::vector<std::string>& old_values,
                                     std::uint32_t old_ttl,
                                     const std::vector<std::string>& values,
                                     std::uint32_t ttl) {
  auto rrset = [&](const std::vector<std::string>& v, std::uint32_t t) {
    json datas = json::array();
    for (const std::string& s : v) datas.push_back(Quoted(s));
    return json{
        {"name", name}, {"type", "TXT"}, {"ttl", t}, {"rrdatas", datas}};
  };
  json change = json::object();
  if (!old_values.empty())
    change["deletions"] = json::array({rrset(old_values, old_ttl)});
  if (!values.empty()) change["additions"] = json::array({rrset(values, ttl)});
  const std::string path = "/managedZones/" + zone_name + "/changes";
  json answer = ParseApiJson(kProvider, Call("POST", path, change.dump()).body,
                             "POST " + path);
  std::string id = answer.is_object() ? answer.value("id", "") : "";
  std::string status = answer.is_object() ? answer.value("status", "") : "";
  if (status == "done") return;
  if (!UrlSafe(id))
    throw solvers::DnsProviderError(
        std::string(kProvider) + " API: POST " + path +
            " answered a change without a usable id",
        0);
  const bool done = PollUntil(
      clock_, clock_.Now() + options_.change_timeout,
      {options_.poll_interval, options_.poll_interval, true}, [&] {
        json c = ParseApiJson(kProvider, Call("GET", path + "/" + id).body,
                              "GET " + path + "/" + id);
        status = c.is_object() ? c.value("status", "") : "";
        return status == "done";
      });
  if (!done)
    throw solvers::DnsProviderError(
        std::string(kProvider) + " API: change " + id + " is still " +
            StripControl(status) + " after " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                               options_.change_timeout)
                               .count()) +
            " s",
        0);
}

void GoogleCloudDnsProvider::AddTxt(const std::string& zone,
                                    const std::string& name,
                                    const std::string& value,
                                    std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string zone_name = ZoneName(zone);
  const std::string fqdn = Dotted(name);
  std::uint32_t old_ttl = ttl;
  const std::vector<std::string> old = TxtValues(zone_name, fqdn, &old_ttl);
  if (std::find(old.begin(), old.end(), value) != old.end()) return;
  std::vector<std::string> values = old;
  values.push_back(value);
  Replace(zone_name, fqdn, old, old_ttl, values, ttl);
}

void GoogleCloudDnsProvider::DeleteTxt(const std::string& zone,
                                       const std::string& name,
                                       const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string zone_name = ZoneName(zone);
  const std::string fqdn = Dotted(name);
  std::uint32_t ttl = 120;
  const std::vector<std::string> old = TxtValues(zone_name, fqdn, &ttl);
  std::vector<std::string> values = old;
  auto it = std::find(values.begin(), values.end(), value);
  if (it == values.end()) return;
  values.erase(it);
  Replace(zone_name, fqdn, old, ttl, values, ttl);
}

}  // namespace certpilot::dns_providers
