#include "support/cloudflare_fake.h"

#include <nlohmann/json.hpp>
#include <set>

#include "support/fake_api_replies.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

using nlohmann::json;

constexpr const char* kPrefix = "/client/v4";

http::Response Answer(int status, json result, json result_info = nullptr) {
  json body = {{"success", status < 300},
               {"errors", json::array()},
               {"messages", json::array()},
               {"result", std::move(result)}};
  if (!result_info.is_null()) body["result_info"] = std::move(result_info);
  return {status, {{"Content-Type", "application/json"}}, body.dump()};
}

http::Response Error(int status, int code, const std::string& message) {
  json body = {
      {"success", false},
      {"errors", json::array({{{"code", code}, {"message", message}}})},
      {"messages", json::array()},
      {"result", nullptr}};
  return {status, {{"Content-Type", "application/json"}}, body.dump()};
}

json RecordJson(const FakeTxtRecord& r, const std::string& zone_id) {
  return {{"id", r.id},         {"zone_id", zone_id},    {"zone_name", r.zone},
          {"name", r.name},     {"type", "TXT"},         {"content", r.value},
          {"proxiable", false}, {"proxied", false},      {"ttl", r.ttl},
          {"locked", false},    {"meta", json::object()}};
}

// Page `page` of `items` by `per_page`, with Cloudflare's result_info.
std::pair<json, json> Page(const json& items, int page, int per_page) {
  ListPage p = PageOf(items, page, per_page);
  json info = {{"page", page},
               {"per_page", per_page},
               {"count", p.items.size()},
               {"total_count", items.size()},
               {"total_pages", p.pages}};
  return {p.items, info};
}

}  // namespace

CloudflareFake::CloudflareFake(CloudflareFakeOptions options)
    : options_(std::move(options)),
      zones_(options_.zones),
      server_([this](const HttpsRequest& r) { return Handle(r); }) {}

std::string CloudflareFake::CredentialsIni() const {
  return "# certbot-dns-cloudflare\ndns_cloudflare_api_token = " +
         options_.api_token + "\ndns_cloudflare_api_url = " + api_url() + "\n";
}

DnsApiFake::Refused CloudflareFake::WrongCredentials() const {
  const std::string wrong = "wrong-" + options_.api_token;
  return {"dns_cloudflare_api_token = " + wrong +
              "\ndns_cloudflare_api_url = " + api_url() + "\n",
          wrong, 403};
}

http::Response CloudflareFake::Handle(const HttpsRequest& request) {
  const std::string what = request.method + " " + request.target;
  // Authentication (API token, or the global key with its e-mail).
  const std::optional<std::string> bearer = request.Header("Authorization");
  const std::optional<std::string> email = request.Header("X-Auth-Email");
  const std::optional<std::string> key = request.Header("X-Auth-Key");
  if (bearer && (email || key)) {
    zones_.Violation(what + ": both a token and a global key sent");
    return Error(400, 6003, "Invalid request headers");
  }
  if (bearer) {
    if (*bearer != "Bearer " + options_.api_token)
      return Error(403, 9109, "Invalid access token");
  } else if (email || key) {
    if (!email || !key || *email != options_.email || *key != options_.api_key)
      return Error(403, 9103, "Unknown X-Auth-Key or X-Auth-Email");
  } else {
    zones_.Violation(what + ": no credentials sent");
    return Error(400, 6003, "Invalid request headers");
  }
  if (auto fail = zones_.FailureFor(request.method)) {
    http::Response r =
        fail->status == 429
            ? Error(429, 971,
                    "Please wait and consider throttling your request speed")
            : Error(fail->status, fail->status >= 500 ? 10000 : 1000,
                    fail->status >= 500 ? "Internal server error"
                                        : "Request refused");
    if (!fail->retry_after.empty())
      r.headers.emplace_back("Retry-After", fail->retry_after);
    return r;
  }
  const std::string path = request.Path();
  if (!StartsWith(path, kPrefix)) {
    zones_.Violation(what + ": not under " + kPrefix);
    return Error(404, 7003, "Could not route to " + path);
  }
  const std::vector<std::string> parts =
      Split(path.substr(std::string(kPrefix).size()), '/');
  // parts[0] is "" (the path starts with '/').
  if (parts.size() == 2 && parts[1] == "zones" && request.method == "GET") {
    static const std::set<std::string> allowed = {
        "name",      "status", "page",       "per_page",    "order",
        "direction", "match",  "account.id", "account.name"};
    std::string name;
    int page = 1, per_page = 20;
    for (const auto& [k, v] : request.QueryParams()) {
      if (!allowed.count(k)) zones_.Violation(what + ": undocumented " + k);
      if (k == "name") name = v;
      if (k == "page" && AllDigits(v)) page = std::stoi(v);
      if (k == "per_page") {
        if (!AllDigits(v) || std::stoi(v) < 5 || std::stoi(v) > 50)
          zones_.Violation(what + ": per_page must be 5..50");
        else
          per_page = std::stoi(v);
      }
    }
    json items = json::array();
    for (const std::string& zone : zones_.zones())
      if (name.empty() || name == zone)
        items.push_back({{"id", zones_.ZoneId(zone)},
                         {"name", zone},
                         {"status", "active"},
                         {"paused", false},
                         {"type", "full"}});
    auto [slice, info] = Page(items, page, per_page);
    return Answer(200, slice, info);
  }
  if ((parts.size() == 4 || parts.size() == 5) && parts[1] == "zones" &&
      parts[3] == "dns_records") {
    const std::string zone = zones_.ZoneById(parts[2]);
    if (zone.empty()) {
      zones_.Violation(what + ": unknown zone id");
      return Error(404, 7003,
                   "Could not route to " + path +
                       ", perhaps your object identifier is "
                       "invalid?");
    }
    return Records(request, zone, parts.size() == 5 ? parts[4] : "");
  }
  zones_.Violation(what + ": no such endpoint");
  return Error(404, 7003, "Could not route to " + path);
}

http::Response CloudflareFake::Records(const HttpsRequest& request,
                                       const std::string& zone,
                                       const std::string& record_id) {
  const std::string what = request.method + " " + request.target;
  const std::string zone_id = zones_.ZoneId(zone);
  if (record_id.empty() && request.method == "GET") {
    static const std::set<std::string> allowed = {
        "type",  "name",      "content", "page",    "per_page", "order",
        "match", "direction", "proxied", "comment", "tag",      "search"};
    std::string type, name, content;
    int page = 1, per_page = 100;
    for (const auto& [k, v] : request.QueryParams()) {
      if (!allowed.count(k)) zones_.Violation(what + ": undocumented " + k);
      if (k == "type") type = v;
      if (k == "name") name = v;
      if (k == "content") content = v;
      if (k == "page" && AllDigits(v)) page = std::stoi(v);
      if (k == "per_page") {
        if (!AllDigits(v) || std::stoi(v) < 5 || std::stoi(v) > 5000)
          zones_.Violation(what + ": per_page must be 5..5000");
        else
          per_page = std::stoi(v);
      }
    }
    if (EndsWith(name, "."))
      zones_.Violation(what + ": name with a trailing dot never matches");
    json items = json::array();
    for (const FakeTxtRecord& r : zones_.Records(zone))
      if ((type.empty() || type == "TXT") && (name.empty() || name == r.name) &&
          (content.empty() || content == r.value))
        items.push_back(RecordJson(r, zone_id));
    auto [slice, info] = Page(items, page, per_page);
    return Answer(200, slice, info);
  }
  if (record_id.empty() && request.method == "POST") {
    if (request.Header("Content-Type").value_or("") != "application/json")
      zones_.Violation(what + ": body without Content-Type application/json");
    json body = json::parse(request.body, nullptr, false);
    if (!body.is_object()) {
      zones_.Violation(what + ": body is not a JSON object");
      return Error(400, 9207, "Request body is invalid.");
    }
    static const std::set<std::string> allowed = {
        "type", "name", "content", "ttl", "proxied", "comment", "tags"};
    for (const auto& [k, v] : body.items())
      if (!allowed.count(k)) zones_.Violation(what + ": undocumented " + k);
    const std::string type = body.value("type", "");
    const std::string name = body.value("name", "");
    const std::string content = body.value("content", "");
    if (type != "TXT") zones_.Violation(what + ": type is not TXT");
    if (name.empty() || EndsWith(name, ".") || zones_.ZoneOf(name) != zone)
      zones_.Violation(what + ": name " + name + " is not a name in " + zone);
    if (content.empty()) zones_.Violation(what + ": no content");
    if (!body.contains("ttl") || !body["ttl"].is_number_unsigned() ||
        (body["ttl"] != 1 && (body["ttl"] < 60 || body["ttl"] > 86400))) {
      zones_.Violation(what + ": ttl must be 1 or 60..86400");
      return Error(400, 9021,
                   "Invalid TTL. Must be between 60 and 86400 "
                   "seconds, or 1 for Automatic.");
    }
    for (const FakeTxtRecord& r : zones_.Records(zone))
      if (r.name == ToLower(name) && r.value == content)
        return Error(400, 81058, "An identical record already exists.");
    const std::string id =
        zones_.Add(zone, name, content, body["ttl"].get<std::uint32_t>());
    for (const FakeTxtRecord& r : zones_.Records(zone))
      if (r.id == id) return Answer(200, RecordJson(r, zone_id));
  }
  if (!record_id.empty() && request.method == "DELETE") {
    if (!request.body.empty()) zones_.Violation(what + ": DELETE with a body");
    bool ours = false;
    for (const FakeTxtRecord& r : zones_.Records(zone))
      ours = ours || r.id == record_id;
    if (!ours || !zones_.Remove(record_id))
      return Error(404, 81044, "Record does not exist.");
    return Answer(200, json{{"id", record_id}});
  }
  zones_.Violation(what + ": no such endpoint");
  return Error(405, 10000, "Method not allowed");
}

}  // namespace certpilot::testing
