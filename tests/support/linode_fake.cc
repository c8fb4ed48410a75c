#include "support/linode_fake.h"

#include <nlohmann/json.hpp>
#include <set>

#include "support/fake_api_replies.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

using nlohmann::json;

http::Response Error(int status, const std::string& reason) {
  return JsonReply(status, {{"errors", json::array({{{"reason", reason}}})}});
}

// The zones' numeric ids: their position, from 1000.
long DomainId(const std::vector<std::string>& zones, const std::string& zone) {
  for (size_t i = 0; i < zones.size(); ++i)
    if (zones[i] == zone) return 1000 + static_cast<long>(i);
  return 0;
}

// ttl_sec as the API stores it: the nearest valid value at or above.
std::uint32_t ValidTtl(std::uint32_t ttl) {
  for (std::uint32_t v :
       {0u, 30u, 120u, 300u, 3600u, 7200u, 14400u, 28800u, 57600u, 86400u,
        172800u, 345600u, 604800u, 1209600u, 2419200u})
    if (ttl <= v) return v;
  return 2419200;
}

json RecordJson(const FakeTxtRecord& r) {
  const std::string name = RelativeTo(r, "");
  return {{"id", std::stol(r.id)}, {"type", "TXT"},    {"name", name},
          {"target", r.value},     {"ttl_sec", r.ttl}, {"priority", 0},
          {"weight", 0},           {"port", 0},        {"tag", nullptr}};
}

}  // namespace

LinodeFake::LinodeFake(LinodeFakeOptions options)
    : options_(std::move(options)),
      zones_(options_.zones),
      server_([this](const HttpsRequest& r) { return Handle(r); }) {
  zones_.numeric_ids = true;  // Linode's record ids are integers
}

std::string LinodeFake::CredentialsIni() const {
  return "# certbot-dns-linode\ndns_linode_key = " + options_.token +
         "\ndns_linode_version = 4\ndns_linode_api_url = " + api_url() + "\n";
}

DnsApiFake::Refused LinodeFake::WrongCredentials() const {
  const std::string wrong = "wrong-" + options_.token;
  return {"dns_linode_key = " + wrong + "\ndns_linode_api_url = " + api_url() +
              "\n",
          wrong, 401};
}

http::Response LinodeFake::Handle(const HttpsRequest& request) {
  const std::string what = request.method + " " + request.target;
  if (request.Header("Authorization").value_or("") !=
      "Bearer " + options_.token)
    return Error(401, "Invalid Token");
  if (auto fail = zones_.FailureFor(request.method)) {
    http::Response r =
        Error(fail->status, fail->status == 429 ? "Too many requests"
                                                : "Please try again later");
    if (!fail->retry_after.empty())
      r.headers.emplace_back("Retry-After", fail->retry_after);
    return r;
  }
  int page = 1, page_size = 100;
  for (const auto& [k, v] : request.QueryParams()) {
    if (k != "page" && k != "page_size")
      zones_.Violation(what + ": undocumented " + k);
    if (k == "page" && AllDigits(v)) page = std::stoi(v);
    if (k == "page_size") {
      if (!AllDigits(v) || std::stoi(v) < 25 || std::stoi(v) > 500)
        zones_.Violation(what + ": page_size must be 25..500");
      else
        page_size = std::stoi(v);
    }
  }
  auto paged = [&](const std::vector<json>& items) {
    ListPage p = PageOf(items, page, page_size);
    return JsonReply(200, {{"data", p.items},
                           {"page", page},
                           {"pages", p.pages},
                           {"results", items.size()}});
  };
  const std::vector<std::string> parts = Split(request.Path(), '/');
  // "", "v4", "domains" [, ID, "records" [, RID]]
  if (parts.size() < 3 || parts[1] != "v4" || parts[2] != "domains") {
    zones_.Violation(what + ": no such endpoint");
    return Error(404, "Not found");
  }
  if (parts.size() == 3 && request.method == "GET") {
    std::vector<json> items;
    for (const std::string& zone : zones_.zones())
      items.push_back({{"id", DomainId(zones_.zones(), zone)},
                       {"domain", zone},
                       {"type", "master"},
                       {"status", "active"}});
    return paged(items);
  }
  std::string zone;
  if (parts.size() >= 5 && parts[4] == "records")
    for (const std::string& z : zones_.zones())
      if (std::to_string(DomainId(zones_.zones(), z)) == parts[3]) zone = z;
  if (zone.empty()) {
    zones_.Violation(what + ": no such endpoint or domain");
    return Error(404, "Not found");
  }
  if (parts.size() == 5 && request.method == "GET") {
    std::vector<json> items;
    for (const FakeTxtRecord& r : zones_.Records(zone))
      items.push_back(RecordJson(r));
    return paged(items);
  }
  if (parts.size() == 5 || parts.size() == 6)
    return Records(request, zone, parts.size() == 6 ? parts[5] : "");
  zones_.Violation(what + ": no such endpoint");
  return Error(404, "Not found");
}

http::Response LinodeFake::Records(const HttpsRequest& request,
                                   const std::string& zone,
                                   const std::string& record_id) {
  const std::string what = request.method + " " + request.target;
  if (record_id.empty() && request.method == "POST") {
    if (request.Header("Content-Type").value_or("") != "application/json")
      zones_.Violation(what + ": body without Content-Type application/json");
    json body = json::parse(request.body, nullptr, false);
    if (!body.is_object()) {
      zones_.Violation(what + ": body is not a JSON object");
      return Error(400, "Invalid JSON");
    }
    static const std::set<std::string> allowed = {
        "type", "name",    "target",   "priority", "weight",
        "port", "service", "protocol", "ttl_sec",  "tag"};
    for (const auto& [k, v] : body.items())
      if (!allowed.count(k)) zones_.Violation(what + ": undocumented " + k);
    const std::string type = body.value("type", "");
    const std::string name = body.value("name", "");
    const std::string target = body.value("target", "");
    if (type != "TXT") zones_.Violation(what + ": type is not TXT");
    if (EndsWith(name, ".") || EndsWith(name, "." + zone) || name == zone)
      zones_.Violation(what + ": name \"" + name + "\" is not relative to " +
                       zone);
    if (target.empty()) zones_.Violation(what + ": no target");
    std::uint32_t ttl = 0;
    if (body.contains("ttl_sec")) {
      if (!body["ttl_sec"].is_number_unsigned())
        zones_.Violation(what + ": ttl_sec is not an integer");
      else
        ttl = ValidTtl(body["ttl_sec"].get<std::uint32_t>());
    }
    const std::string fqdn = name.empty() ? zone : ToLower(name) + "." + zone;
    const std::string id = zones_.Add(zone, fqdn, target, ttl);
    for (const FakeTxtRecord& r : zones_.Records(zone))
      if (r.id == id) return JsonReply(200, RecordJson(r));
  }
  if (!record_id.empty() && request.method == "DELETE") {
    bool ours = false;
    for (const FakeTxtRecord& r : zones_.Records(zone))
      ours = ours || r.id == record_id;
    if (!ours || !zones_.Remove(record_id)) return Error(404, "Not found");
    return JsonReply(200, json::object());
  }
  zones_.Violation(what + ": no such endpoint");
  return Error(405, "Method not allowed");
}

}  // namespace certpilot::testing
