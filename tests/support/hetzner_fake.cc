#include "support/hetzner_fake.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "support/fake_api_replies.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

using nlohmann::json;

http::Response Error(int status, const std::string& message) {
  return JsonReply(status,
                   {{"error", {{"message", message}, {"code", status}}}});
}

json RecordJson(const FakeTxtRecord& r, const std::string& zone_id) {
  return {{"id", r.id},
          {"type", "TXT"},
          {"name", RelativeTo(r, "@")},
          {"value", r.value},
          {"ttl", r.ttl},
          {"zone_id", zone_id},
          {"created", "2026-12-04 10:00:00.000 +0000 UTC"},
          {"modified", "2026-12-04 10:00:00.000 +0000 UTC"}};
}

// One page of `items` as the API answers a list under `key`.
http::Response Paged(const char* key, const std::vector<json>& items, int page,
                     int per_page) {
  ListPage p = PageOf(items, page, per_page);
  return JsonReply(200, {{key, p.items},
                         {"meta",
                          {{"pagination",
                            {{"page", page},
                             {"per_page", per_page},
                             {"previous_page", page > 1 ? page - 1 : 1},
                             {"next_page", std::min(page + 1, p.pages)},
                             {"last_page", p.pages},
                             {"total_entries", items.size()}}}}}});
}

}  // namespace

HetznerFake::HetznerFake(HetznerFakeOptions options)
    : options_(std::move(options)),
      zones_(options_.zones),
      server_([this](const HttpsRequest& r) { return Handle(r); }) {}

std::string HetznerFake::CredentialsIni() const {
  return "# Hetzner DNS\ndns_hetzner_api_token = " + options_.token +
         "\ndns_hetzner_api_url = " + api_url() + "\n";
}

DnsApiFake::Refused HetznerFake::WrongCredentials() const {
  const std::string wrong = "wrong" + options_.token;
  return {"dns_hetzner_api_token = " + wrong +
              "\ndns_hetzner_api_url = " + api_url() + "\n",
          wrong, 401};
}

http::Response HetznerFake::Handle(const HttpsRequest& request) {
  const std::string what = request.method + " " + request.target;
  if (request.Header("Authorization"))
    zones_.Violation(what +
                     ": Authorization header (the API takes "
                     "Auth-API-Token)");
  if (request.Header("Auth-API-Token").value_or("") != options_.token)
    return JsonReply(401, {{"message", "Invalid authentication credentials"}});
  if (auto fail = zones_.FailureFor(request.method)) {
    http::Response r =
        fail->status == 429
            ? JsonReply(429, {{"message", "API rate limit exceeded"}})
            : Error(fail->status, "internal server error");
    if (!fail->retry_after.empty())
      r.headers.emplace_back("Retry-After", fail->retry_after);
    return r;
  }
  const std::vector<std::string> parts = Split(request.Path(), '/');
  // "", "api", "v1", "zones" | "records" [, ID]
  if (parts.size() < 4 || parts[1] != "api" || parts[2] != "v1") {
    zones_.Violation(what + ": no such endpoint");
    return Error(404, "not found");
  }
  if (parts.size() == 4 && parts[3] == "zones" && request.method == "GET")
    return Zones(request);
  if ((parts.size() == 4 || parts.size() == 5) && parts[3] == "records")
    return Records(request, parts.size() == 5 ? parts[4] : "");
  zones_.Violation(what + ": no such endpoint");
  return Error(404, "not found");
}

http::Response HetznerFake::Zones(const HttpsRequest& request) {
  const std::string what = request.method + " " + request.target;
  std::string name;
  int page = 1, per_page = 100;
  for (const auto& [k, v] : request.QueryParams()) {
    if (k == "name") {
      name = v;
    } else if (k == "page" && AllDigits(v) && std::stoi(v) >= 1) {
      page = std::stoi(v);
    } else if (k == "per_page" && AllDigits(v) && std::stoi(v) >= 1 &&
               std::stoi(v) <= 100) {
      per_page = std::stoi(v);
    } else {
      zones_.Violation(what + ": undocumented or bad " + k);
    }
  }
  std::vector<json> items;
  for (const std::string& zone : zones_.zones())
    if (name.empty() || name == zone)
      items.push_back({{"id", zones_.ZoneId(zone)},
                       {"name", zone},
                       {"ttl", 86400},
                       {"status", "verified"},
                       {"ns", {"hydrogen.ns.hetzner.com."}}});
  if (!name.empty() && items.empty())
    return JsonReply(
        404, {{"zones", json::array()},
              {"error", {{"message", "zone not found"}, {"code", 404}}}});
  return Paged("zones", items, page, per_page);
}

http::Response HetznerFake::Records(const HttpsRequest& request,
                                    const std::string& record_id) {
  const std::string what = request.method + " " + request.target;
  if (record_id.empty() && request.method == "GET") {
    std::string zone;
    int page = 1, per_page = 100;
    for (const auto& [k, v] : request.QueryParams()) {
      if (k == "zone_id") {
        zone = zones_.ZoneById(v);
        if (zone.empty()) return Error(404, "zone not found");
      } else if (k == "page" && AllDigits(v) && std::stoi(v) >= 1) {
        page = std::stoi(v);
      } else if (k == "per_page" && AllDigits(v) && std::stoi(v) >= 1) {
        per_page = std::stoi(v);
      } else {
        zones_.Violation(what + ": undocumented or bad " + k);
      }
    }
    // Without zone_id: every record of the account.
    std::vector<json> items;
    for (const FakeTxtRecord& r : zones_.Records(zone))
      items.push_back(RecordJson(r, zones_.ZoneId(r.zone)));
    return Paged("records", items, page, per_page);
  }
  if (record_id.empty() && request.method == "POST") {
    const json body = JsonObjectBody(
        request, zones_, {"zone_id", "type", "name", "value", "ttl"});
    if (body.is_null()) return Error(422, "invalid JSON");
    const std::string zone = zones_.ZoneById(body.value("zone_id", ""));
    const std::string name = body.value("name", "");
    const std::string value = body.value("value", "");
    if (zone.empty()) {
      zones_.Violation(what + ": zone_id names no zone of the account");
      return Error(422, "zone not found");
    }
    if (body.value("type", "") != "TXT")
      zones_.Violation(what + ": type is not TXT");
    if (name.empty() || EndsWith(name, ".") || EndsWith(name, "." + zone) ||
        name == zone)
      zones_.Violation(what + ": name \"" + name + "\" is not relative to " +
                       zone);
    if (value.empty()) zones_.Violation(what + ": no value");
    std::uint32_t ttl = 86400;
    if (body.contains("ttl")) {
      if (!body["ttl"].is_number_unsigned())
        zones_.Violation(what + ": ttl is not an unsigned integer");
      else
        ttl = body["ttl"].get<std::uint32_t>();
    }
    const std::string fqdn = name == "@" ? zone : ToLower(name) + "." + zone;
    const std::string id = zones_.Add(zone, fqdn, value, ttl);
    for (const FakeTxtRecord& r : zones_.Records(zone))
      if (r.id == id)
        return JsonReply(200, {{"record", RecordJson(r, zones_.ZoneId(zone))}});
  }
  if (!record_id.empty() && request.method == "DELETE") {
    if (!request.Query().empty())
      zones_.Violation(what + ": DELETE takes no query");
    if (!RemoveFromZone(zones_, "", record_id))
      return Error(404, "record not found");
    return {200, {}, ""};
  }
  zones_.Violation(what + ": no such endpoint");
  return Error(405, "method not allowed");
}

}  // namespace certpilot::testing
