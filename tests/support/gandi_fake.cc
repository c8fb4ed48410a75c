#include "support/gandi_fake.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "support/fake_api_replies.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

using nlohmann::json;

http::Response Error(int status, const std::string& object,
                     const std::string& cause, const std::string& message) {
  return JsonReply(status, {{"code", status},
                            {"message", message},
                            {"object", object},
                            {"cause", cause}});
}

http::Response NotFound() {
  return Error(404, "HTTPNotFound", "Not Found",
               "The resource could not be found.");
}

}  // namespace

GandiFake::GandiFake(GandiFakeOptions options)
    : options_(std::move(options)),
      zones_(options_.zones),
      server_([this](const HttpsRequest& r) { return Handle(r); }) {}

std::string GandiFake::CredentialsIni() const {
  const std::string secret = options_.api_key.empty()
                                 ? "dns_gandi_token = " + options_.token
                                 : "dns_gandi_api_key = " + options_.api_key;
  return "# certbot-dns-gandi\n" + secret +
         "\ndns_gandi_api_url = " + api_url() + "\n";
}

DnsApiFake::Refused GandiFake::WrongCredentials() const {
  const std::string wrong = "wrong" + options_.token;
  return {"dns_gandi_token = " + wrong + "\ndns_gandi_api_url = " + api_url() +
              "\n",
          wrong, 401};
}

http::Response GandiFake::Handle(const HttpsRequest& request) {
  const std::string what = request.method + " " + request.target;
  const std::string expected = options_.api_key.empty()
                                   ? "Bearer " + options_.token
                                   : "Apikey " + options_.api_key;
  if (request.Header("Authorization").value_or("") != expected)
    return Error(401, "HTTPUnauthorized", "Unauthorized",
                 "The server could not verify that you authorized to access "
                 "the document you requested.");
  if (auto fail = zones_.FailureFor(request.method)) {
    http::Response r =
        fail->status == 429
            ? Error(429, "HTTPTooManyRequests", "Too Many Requests",
                    "Too many requests, slow down.")
            : Error(fail->status, "HTTPServiceUnavailable", "Unavailable",
                    "The service is temporarily unavailable.");
    if (!fail->retry_after.empty())
      r.headers.emplace_back("Retry-After", fail->retry_after);
    return r;
  }
  for (const auto& [k, v] : request.QueryParams())
    if (k != "sharing_id") zones_.Violation(what + ": undocumented " + k);
  const std::vector<std::string> parts = Split(request.Path(), '/');
  // "", "v5", "livedns", "domains", FQDN [, "records", NAME, "TXT"]
  if (parts.size() < 5 || parts[1] != "v5" || parts[2] != "livedns" ||
      parts[3] != "domains") {
    zones_.Violation(what + ": no such endpoint");
    return NotFound();
  }
  const std::string& fqdn = parts[4];
  const bool hosted = zones_.ZoneId(fqdn) != "";
  if (parts.size() == 5 && request.method == "GET") {
    if (!hosted) return NotFound();
    const std::string href = server_.base() + "/v5/livedns/domains/" + fqdn;
    return JsonReply(200, {{"fqdn", fqdn},
                           {"automatic_snapshots", true},
                           {"domain_href", href},
                           {"domain_keys_href", href + "/keys"},
                           {"domain_records_href", href + "/records"}});
  }
  if (parts.size() == 8 && parts[5] == "records") {
    if (parts[7] != "TXT") zones_.Violation(what + ": not the TXT set");
    if (!hosted) {
      zones_.Violation(what + ": a domain the account does not hold");
      return NotFound();
    }
    return Rrset(request, fqdn, parts[6]);
  }
  zones_.Violation(what + ": no such endpoint");
  return NotFound();
}

http::Response GandiFake::Rrset(const HttpsRequest& request,
                                const std::string& zone,
                                const std::string& name) {
  const std::string what = request.method + " " + request.target;
  if (name.empty() || EndsWith(name, ".") || EndsWith(name, "." + zone) ||
      name == zone)
    zones_.Violation(what + ": name \"" + name + "\" is not relative to " +
                     zone);
  const std::string fqdn = name == "@" ? zone : ToLower(name) + "." + zone;
  std::vector<FakeTxtRecord> set;
  for (const FakeTxtRecord& r : zones_.Records(zone))
    if (r.name == fqdn) set.push_back(r);
  if (request.method == "GET") {
    if (set.empty()) return NotFound();
    json values = json::array();
    for (const FakeTxtRecord& r : set) values.push_back("\"" + r.value + "\"");
    return JsonReply(200, {{"rrset_name", name},
                           {"rrset_type", "TXT"},
                           {"rrset_ttl", set.front().ttl},
                           {"rrset_values", values},
                           {"rrset_href", server_.base() + request.Path()}});
  }
  if (request.method == "DELETE") {
    if (set.empty()) return NotFound();
    for (const FakeTxtRecord& r : set) zones_.Remove(r.id);
    return {204, {}, ""};
  }
  if (request.method == "PUT") {
    const json body =
        JsonObjectBody(request, zones_, {"rrset_ttl", "rrset_values"});
    if (body.is_null())
      return Error(400, "HTTPBadRequest", "Bad Request", "Invalid JSON");
    if (!body.contains("rrset_ttl") ||
        !body["rrset_ttl"].is_number_unsigned() || body["rrset_ttl"] < 300 ||
        body["rrset_ttl"] > 2592000) {
      zones_.Violation(what + ": rrset_ttl must be 300..2592000");
      return Error(400, "HTTPBadRequest", "Bad Request",
                   "rrset_ttl: must be between 300 and 2592000");
    }
    if (!body.contains("rrset_values") || !body["rrset_values"].is_array() ||
        body["rrset_values"].empty()) {
      zones_.Violation(what + ": no rrset_values");
      return Error(400, "HTTPBadRequest", "Bad Request",
                   "rrset_values: at least one value is required");
    }
    std::vector<std::string> values;
    for (const json& v : body["rrset_values"]) {
      const std::string text = v.is_string() ? v.get<std::string>() : "";
      if (text.size() < 2 || text.front() != '"' || text.back() != '"')
        zones_.Violation(what + ": TXT value " + v.dump() +
                         " is not quoted zone-file text");
      else
        values.push_back(text.substr(1, text.size() - 2));
    }
    // The set is replaced: drop what is gone, add what is new.
    for (const FakeTxtRecord& r : set)
      if (std::find(values.begin(), values.end(), r.value) == values.end())
        zones_.Remove(r.id);
    for (const std::string& v : values) {
      bool there = false;
      for (const FakeTxtRecord& r : set) there = there || r.value == v;
      if (!there)
        zones_.Add(zone, fqdn, v, body["rrset_ttl"].get<std::uint32_t>());
    }
    return JsonReply(201, {{"message", "DNS Record Created"}});
  }
  zones_.Violation(what + ": no such endpoint");
  return Error(405, "HTTPMethodNotAllowed", "Method Not Allowed",
               "The method is not allowed for the requested URL.");
}

}  // namespace certpilot::testing
