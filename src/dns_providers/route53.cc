#include "dns_providers/route53.h"

#include <algorithm>
#include <cstdlib>

#include "dns_providers/api_support.h"
#include "dns_providers/xml_text.h"
#include "solvers/credentials_ini.h"
#include "util/error.h"
#include "util/poll.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

constexpr const char* kProvider = "Route 53";
constexpr const char* kApi = "/2013-04-01";
constexpr const char* kXmlns = "https://route53.amazonaws.com/doc/2013-04-01/";
constexpr const char* kFormat =
    "dns_route53_access_key_id, dns_route53_secret_access_key; or leave out "
    "--dns-route53-credentials and set AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY as for certbot-dns-route53";

// Route 53 keeps a TXT value in zone-file form: "\"value\"". Ours are
// base64url (RFC 8555 §8.4): nothing to escape.
std::string Quoted(const std::string& value) { return "\"" + value + "\""; }

std::string Unquoted(std::string value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    return value.substr(1, value.size() - 2);
  return value;
}

// "Throttling: Rate exceeded" from an <ErrorResponse>, or "".
std::string ErrorMessage(const std::string& body) {
  std::string code = XmlText(body, "Code").value_or("");
  std::string message = XmlText(body, "Message").value_or("");
  if (code.empty()) return message;
  return message.empty() ? code : code + ": " + message;
}

// The last path segment of "/hostedzone/Z1D633PJN98FT9" or "/change/C2..".
std::string IdOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool UsableId(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Route53Credentials FromKeys(std::string id, std::string secret,
                            std::string token) {
  Route53Credentials c;
  c.key = {std::move(id), std::move(secret), std::move(token)};
  return c;
}

// [profile] → key → value of an AWS shared credentials file.
std::map<std::string, std::map<std::string, std::string>> ParseAwsIni(
    std::string_view text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::string section;
  for (const std::string& raw : Split(text, '\n')) {
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(Trim(line.substr(1, line.size() - 2)));
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    out[section][ToLower(Trim(line.substr(0, eq)))] =
        std::string(Trim(line.substr(eq + 1)));
  }
  return out;
}

}  // namespace

Route53Credentials ParseRoute53Credentials(std::string_view text,
                                           const std::string& source) {
  const solvers::CredentialsIni ini =
      solvers::CredentialsIni::Parse(text, source, "dns_route53_");
  Route53Credentials c = FromKeys(
      ini.Required("access_key_id", kFormat).text,
      ini.Required("secret_access_key", kFormat).text,
      ini.Get("session_token").value_or(solvers::CredentialValue{}).text);
  c.api_url = ApiBaseUrl(ini, c.api_url);
  return c;
}

Route53Credentials Route53CredentialsFromEnvironment(
    sys::Filesystem& fs, const std::map<std::string, std::string>& env) {
  auto get = [&](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  if (!get("AWS_ACCESS_KEY_ID").empty() ||
      !get("AWS_SECRET_ACCESS_KEY").empty()) {
    if (get("AWS_ACCESS_KEY_ID").empty() ||
        get("AWS_SECRET_ACCESS_KEY").empty())
      throw UsageError(
          "Route 53: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set "
          "together");
    return FromKeys(get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"),
                    get("AWS_SESSION_TOKEN"));
  }
  std::string file = get("AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty() && !get("HOME").empty())
    file = get("HOME") + "/.aws/credentials";
  const std::string profile =
      get("AWS_PROFILE").empty() ? "default" : get("AWS_PROFILE");
  if (file.empty() || !fs.Exists(file))
    throw UsageError(
        std::string("the dns-route53 authenticator found no AWS "
                    "credentials: set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, write ") +
        (file.empty() ? "~/.aws/credentials" : StripControl(file)) +
        ", or pass --dns-route53-credentials FILE (with "
        "dns_route53_access_key_id and dns_route53_secret_access_key)");
  auto ini = ParseAwsIni(solvers::ReadCredentialsFile(
      fs, file, "AWS shared credentials", "AWS secret keys"));
  const auto& keys = ini[profile];
  auto key = [&](const char* name) {
    auto it = keys.find(name);
    return it == keys.end() ? std::string() : it->second;
  };
  if (key("aws_access_key_id").empty() || key("aws_secret_access_key").empty())
    throw UsageError(StripControl(file) + ": profile [" +
                     StripControl(profile) +
                     "] has no aws_access_key_id and aws_secret_access_key");
  return FromKeys(key("aws_access_key_id"), key("aws_secret_access_key"),
                  key("aws_session_token"));
}

Route53Credentials LoadRoute53Credentials(sys::Filesystem& fs,
                                          const std::string& path) {
  if (!path.empty())
    return ParseRoute53Credentials(
        solvers::ReadCredentialsFile(fs, path, "Route 53 credentials",
                                     "an AWS secret access key"),
        path);
  std::map<std::string, std::string> env;
  for (const char* name :
       {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "HOME"})
    if (const char* v = std::getenv(name)) env[name] = v;
  return Route53CredentialsFromEnvironment(fs, env);
}

Route53Provider::Route53Provider(Route53Credentials credentials,
                                 http::HttpClient& http, Clock& clock,
                                 Route53Options options)
    : credentials_(std::move(credentials)),
      http_(http),
      clock_(clock),
      options_(options) {}

std::string Route53Provider::Describe() const {
  return std::string("Amazon ") + kProvider + " at " +
         StripControl(credentials_.api_url);
}

http::Response Route53Provider::Call(const std::string& method,
                                     const std::string& path,
                                     const std::string& body) {
  http::Request request;
  request.method = method;
  request.url = credentials_.api_url + kApi + path;
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "text/xml");
    request.body = body;
  }
  request.max_body_bytes = 16 << 20;
  SignSigV4(request, credentials_.key, "us-east-1", "route53", clock_.Now());
  http::Response response = http_.Do(request);
  solvers::CheckApiResponse(
      kProvider, request, response, ErrorMessage(response.body),
      {credentials_.key.secret_access_key, credentials_.key.session_token});
  return response;
}

std::string Route53Provider::FindZone(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindZoneLocked(name);
}

std::string Route53Provider::FindZoneLocked(const std::string& name) {
  const std::string fqdn = Dotted(name);
  std::vector<std::string> hosted;
  std::map<std::string, std::string> ids;
  std::string marker;
  for (int page = 0; page < 1000; ++page) {
    const std::string body =
        Call("GET",
             "/hostedzone" +
                 (marker.empty() ? "" : "?marker=" + QueryEscape(marker)))
            .body;
    for (std::string_view zone : XmlElements(body, "HostedZone")) {
      if (XmlText(zone, "PrivateZone").value_or("false") == "true") continue;
      std::optional<std::string> id = XmlText(zone, "Id");
      std::optional<std::string> zone_name = XmlText(zone, "Name");
      if (!id || !zone_name) continue;
      hosted.push_back(Dotted(*zone_name));
      ids[hosted.back()] = IdOf(*id);
    }
    if (XmlText(body, "IsTruncated").value_or("false") != "true") break;
    marker = XmlText(body, "NextMarker").value_or("");
    if (marker.empty())
      throw solvers::DnsProviderError(
          std::string(kProvider) +
              " API: ListHostedZones is truncated but gives no NextMarker",
          0);
  }
  const std::string best = LongestZone(fqdn, hosted);
  if (best.empty()) ThrowNoZone(fqdn, Describe(), hosted);
  if (!UsableId(ids[best]))
    throw solvers::DnsProviderError(
        std::string(kProvider) + " API: hosted zone id \"" +
            StripControl(ids[best]) + "\" is not usable in a URL",
        0);
  zone_ids_[best] = ids[best];
  return best;
}

const std::string& Route53Provider::ZoneId(const std::string& zone) {
  if (!zone_ids_.count(zone)) FindZoneLocked(zone);
  return zone_ids_.at(zone);
}

std::vector<std::string> Route53Provider::TxtValues(const std::string& zone_id,
                                                    const std::string& name,
                                                    std::uint32_t* ttl) {
  const std::string body = Call("GET", "/hostedzone/" + zone_id +
                                           "/rrset?name=" + QueryEscape(name) +
                                           "&type=TXT&maxitems=1")
                               .body;
  std::vector<std::string> values;
  // The list starts at `name` and type TXT, but holds the next RRset in
  // order when there is none there.
  for (std::string_view rrset : XmlElements(body, "ResourceRecordSet")) {
    if (Dotted(XmlText(rrset, "Name").value_or("")) != name ||
        XmlText(rrset, "Type").value_or("") != "TXT")
      continue;
    if (ttl)
      if (std::optional<std::string> t = XmlText(rrset, "TTL"))
        *ttl = std::uint32_t(std::strtoul(t->c_str(), nullptr, 10));
    for (std::string_view record : XmlElements(rrset, "ResourceRecord"))
      if (std::optional<std::string> v = XmlText(record, "Value"))
        values.push_back(Unquoted(*v));
  }
  return values;
}

std::string Route53Provider::Change(const std::string& zone_id,
                                    const std::string& action,
                                    const std::string& name,
                                    const std::vector<std::string>& values,
                                    std::uint32_t ttl) {
  std::string records;
  for (const std::string& v : values)
    records += "<ResourceRecord><Value>" + XmlEscape(Quoted(v)) +
               "</Value></ResourceRecord>";
  const std::string body =
      std::string(
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<ChangeResourceRecordSetsRequest xmlns=\"") +
      kXmlns +
      "\"><ChangeBatch><Comment>certpilot DNS-01</Comment><Changes><Change>"
      "<Action>" +
      action + "</Action><ResourceRecordSet><Name>" + XmlEscape(name) +
      "</Name><Type>TXT</Type><TTL>" + std::to_string(ttl) +
      "</TTL><ResourceRecords>" + records +
      "</ResourceRecords></ResourceRecordSet></Change></Changes>"
      "</ChangeBatch></ChangeResourceRecordSetsRequest>";
  const std::string answer =
      Call("POST", "/hostedzone/" + zone_id + "/rrset/", body).body;
  std::vector<std::string_view> info = XmlElements(answer, "ChangeInfo");
  const std::string id =
      info.empty() ? "" : IdOf(XmlText(info.front(), "Id").value_or(""));
  if (!UsableId(id))
    throw solvers::DnsProviderError(
        std::string(kProvider) +
            " API: ChangeResourceRecordSets answered without a usable "
            "ChangeInfo Id",
        0);
  return id;
}

void Route53Provider::WaitInSync(const std::string& change_id) {
  std::string status;
  const bool insync = PollUntil(
      clock_, clock_.Now() + options_.insync_timeout,
      {options_.poll_interval, options_.poll_interval, true}, [&] {
        status = XmlText(Call("GET", "/change/" + change_id).body, "Status")
                     .value_or("");
        return status == "INSYNC";
      });
  if (!insync)
    throw solvers::DnsProviderError(
        std::string(kProvider) + " API: change " + change_id + " is still " +
            StripControl(status.empty() ? "unknown" : status) + " after " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                               options_.insync_timeout)
                               .count()) +
            " s (Route 53 applies changes to all its servers within about a "
            "minute)",
        0);
}

void Route53Provider::AddTxt(const std::string& zone, const std::string& name,
                             const std::string& value, std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string id = ZoneId(zone);
  const std::string fqdn = Dotted(name);
  std::vector<std::string> values = TxtValues(id, fqdn, nullptr);
  if (std::find(values.begin(), values.end(), value) != values.end()) return;
  values.push_back(value);
  WaitInSync(Change(id, "UPSERT", fqdn, values, ttl));
}

void Route53Provider::DeleteTxt(const std::string& zone,
                                const std::string& name,
                                const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string id = ZoneId(zone);
  const std::string fqdn = Dotted(name);
  std::uint32_t ttl = 10;
  std::vector<std::string> values = TxtValues(id, fqdn, &ttl);
  auto it = std::find(values.begin(), values.end(), value);
  if (it == values.end()) return;
  if (values.size() == 1) {
    // DELETE must name the RRset exactly as it is: every value and the TTL.
    Change(id, "DELETE", fqdn, values, ttl);
    return;
  }
  values.erase(it);
  Change(id, "UPSERT", fqdn, values, ttl);
}

}  // namespace certpilot::dns_providers
