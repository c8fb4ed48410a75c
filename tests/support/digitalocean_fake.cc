#include "support/digitalocean_fake.h"

#include <nlohmann/json.hpp>
#include <set>

#include "support/fake_api_replies.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

using nlohmann::json;

http::Response Error(int status, const std::string& id,
                     const std::string& message) {
  return JsonReply(status, {{"id", id}, {"message", message}});
}

json RecordJson(const FakeTxtRecord& r) {
  return {{"id", std::stol(r.id)},
          {"type", "TXT"},
          {"name", RelativeTo(r, "@")},
          {"data", r.value},
          {"priority", nullptr},
          {"port", nullptr},
          {"ttl", r.ttl},
          {"weight", nullptr},
          {"flags", nullptr},
          {"tag", nullptr}};
}

}  // namespace

DigitalOceanFake::DigitalOceanFake(DigitalOceanFakeOptions options)
    : options_(std::move(options)),
      zones_(options_.zones),
      server_([this](const HttpsRequest& r) { return Handle(r); }) {
  zones_.numeric_ids = true;  // DigitalOcean's record ids are integers
}

std::string DigitalOceanFake::CredentialsIni() const {
  return "# certbot-dns-digitalocean\ndns_digitalocean_token = " +
         options_.token + "\ndns_digitalocean_api_url = " + api_url() + "\n";
}

DnsApiFake::Refused DigitalOceanFake::WrongCredentials() const {
  const std::string wrong = "wrong-" + options_.token;
  return {"dns_digitalocean_token = " + wrong +
              "\ndns_digitalocean_api_url = " + api_url() + "\n",
          wrong, 401};
}

http::Response DigitalOceanFake::Handle(const HttpsRequest& request) {
  const std::string what = request.method + " " + request.target;
  if (request.Header("Authorization").value_or("") !=
      "Bearer " + options_.token)
    return Error(401, "unauthorized", "Unable to authenticate you");
  if (auto fail = zones_.FailureFor(request.method)) {
    http::Response r =
        fail->status == 429
            ? Error(429, "too_many_requests", "API Rate limit exceeded.")
            : Error(fail->status, "server_error",
                    "Server was unable to give you a response.");
    r.headers.emplace_back("ratelimit-limit", "5000");
    r.headers.emplace_back("ratelimit-remaining",
                           fail->status == 429 ? "0" : "4999");
    r.headers.emplace_back("ratelimit-reset", "1893456000");
    if (!fail->retry_after.empty())
      r.headers.emplace_back("Retry-After", fail->retry_after);
    return r;
  }
  const std::vector<std::string> parts = Split(request.Path(), '/');
  // "", "v2", "domains", NAME [, "records" [, ID]]
  if (parts.size() < 4 || parts[1] != "v2" || parts[2] != "domains") {
    zones_.Violation(what + ": no such endpoint");
    return Error(404, "not_found",
                 "The resource you were accessing could not be found.");
  }
  const std::string& domain = parts[3];
  const bool hosted = zones_.ZoneId(domain) != "";
  if (parts.size() == 4 && request.method == "GET") {
    if (!request.Query().empty())
      zones_.Violation(what + ": GET a domain takes no query");
    if (!hosted)
      return Error(404, "not_found",
                   "The resource you were accessing could not be found.");
    return JsonReply(
        200,
        {{"domain", {{"name", domain}, {"ttl", 1800}, {"zone_file", ""}}}});
  }
  if ((parts.size() == 5 || parts.size() == 6) && parts[4] == "records") {
    if (!hosted) {
      zones_.Violation(what + ": a domain the account does not hold");
      return Error(404, "not_found",
                   "The resource you were accessing could not be found.");
    }
    return Records(request, domain, parts.size() == 6 ? parts[5] : "");
  }
  zones_.Violation(what + ": no such endpoint");
  return Error(404, "not_found",
               "The resource you were accessing could not be found.");
}

http::Response DigitalOceanFake::Records(const HttpsRequest& request,
                                         const std::string& zone,
                                         const std::string& record_id) {
  const std::string what = request.method + " " + request.target;
  if (record_id.empty() && request.method == "GET") {
    static const std::set<std::string> allowed = {"type", "name", "page",
                                                  "per_page"};
    std::string type, name;
    int page = 1, per_page = 20;
    for (const auto& [k, v] : request.QueryParams()) {
      if (!allowed.count(k)) zones_.Violation(what + ": undocumented " + k);
      if (k == "type") type = v;
      if (k == "name") name = v;
      if (k == "page" && AllDigits(v)) page = std::stoi(v);
      if (k == "per_page") {
        if (!AllDigits(v) || std::stoi(v) < 1 || std::stoi(v) > 200)
          zones_.Violation(what + ": per_page must be 1..200");
        else
          per_page = std::stoi(v);
      }
    }
    // The documented name filter is a fully qualified name.
    if (!name.empty() && zones_.ZoneOf(name) != zone)
      zones_.Violation(what + ": name is not a fully qualified name in " +
                       zone);
    json matching = json::array();
    for (const FakeTxtRecord& r : zones_.Records(zone))
      if ((type.empty() || type == "TXT") && (name.empty() || name == r.name))
        matching.push_back(RecordJson(r));
    const ListPage list = PageOf(matching, page, per_page);
    json pages = json::object();
    const std::string here = server_.base() + request.Path();
    if (page < list.pages)
      pages["next"] = here + "?page=" + std::to_string(page + 1) +
                      "&per_page=" + std::to_string(per_page);
    return JsonReply(200, {{"domain_records", list.items},
                           {"links", {{"pages", pages}}},
                           {"meta", {{"total", matching.size()}}}});
  }
  if (record_id.empty() && request.method == "POST") {
    if (request.Header("Content-Type").value_or("") != "application/json")
      zones_.Violation(what + ": body without Content-Type application/json");
    json body = json::parse(request.body, nullptr, false);
    if (!body.is_object()) {
      zones_.Violation(what + ": body is not a JSON object");
      return Error(422, "unprocessable_entity", "Invalid JSON");
    }
    static const std::set<std::string> allowed = {"type",     "name",  "data",
                                                  "priority", "port",  "ttl",
                                                  "weight",   "flags", "tag"};
    for (const auto& [k, v] : body.items())
      if (!allowed.count(k)) zones_.Violation(what + ": undocumented " + k);
    const std::string type = body.value("type", "");
    const std::string name = body.value("name", "");
    const std::string data = body.value("data", "");
    if (type != "TXT") zones_.Violation(what + ": type is not TXT");
    if (name.empty() || EndsWith(name, ".") || EndsWith(name, "." + zone) ||
        name == zone)
      zones_.Violation(what + ": name \"" + name + "\" is not relative to " +
                       zone);
    if (data.empty()) zones_.Violation(what + ": no data");
    if (!body.contains("ttl") || !body["ttl"].is_number_unsigned() ||
        body["ttl"] < 30) {
      zones_.Violation(what + ": ttl must be 30 or more");
      return Error(422, "unprocessable_entity",
                   "TTL must be at least 30 seconds");
    }
    const std::string fqdn = name == "@" ? zone : ToLower(name) + "." + zone;
    const std::string id =
        zones_.Add(zone, fqdn, data, body["ttl"].get<std::uint32_t>());
    for (const FakeTxtRecord& r : zones_.Records(zone))
      if (r.id == id) return JsonReply(201, {{"domain_record", RecordJson(r)}});
  }
  if (!record_id.empty() && request.method == "DELETE") {
    if (!AllDigits(record_id))
      zones_.Violation(what + ": record id is not an integer");
    bool ours = false;
    for (const FakeTxtRecord& r : zones_.Records(zone))
      ours = ours || r.id == record_id;
    if (!ours || !zones_.Remove(record_id))
      return Error(404, "not_found",
                   "The resource you were accessing could not be found.");
    return {204, {}, ""};
  }
  zones_.Violation(what + ": no such endpoint");
  return Error(405, "method_not_allowed", "Method not allowed");
}

}  // namespace certpilot::testing
