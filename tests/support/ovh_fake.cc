#include "support/ovh_fake.h"

#include <openssl/evp.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "support/fake_api_replies.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

using nlohmann::json;

http::Response Error(int status, const std::string& code,
                     const std::string& message) {
  static const std::map<int, std::string> kReasons = {
      {400, "Bad Request"},       {403, "Forbidden"},
      {404, "Not Found"},         {405, "Method Not Allowed"},
      {429, "Too Many Requests"}, {500, "Internal Server Error"},
      {502, "Bad Gateway"},       {503, "Service Unavailable"}};
  const auto reason = kReasons.find(status);
  return JsonReply(
      status,
      {{"errorCode", code},
       {"httpCode", std::to_string(status) + " " +
                        (reason == kReasons.end() ? "" : reason->second)},
       {"message", message}});
}

std::string Sha1Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

// The zones' records as the API holds them: `live` is the FakeDnsZones id
// once a refresh published it; `deleted` ones go at the next refresh.
struct OvhFake::State {
  struct Record {
    long long id;
    std::string zone, sub_domain, target;
    std::uint32_t ttl;
    std::string live;
    bool deleted = false;
  };
  std::mutex mu;
  std::vector<Record> records;
  long long next_id = 5000000001;

  long long Now(long long offset) const {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offset;
  }
};

OvhFake::OvhFake(OvhFakeOptions options)
    : options_(std::move(options)),
      zones_(options_.zones),
      state_(std::make_unique<State>()),
      server_([this](const HttpsRequest& r) { return Handle(r); }) {}

OvhFake::~OvhFake() = default;

std::string OvhFake::CredentialsIni() const {
  return "# certbot-dns-ovh\ndns_ovh_endpoint = " + api_url() +
         "\ndns_ovh_application_key = " + options_.application_key +
         "\ndns_ovh_application_secret = " + options_.application_secret +
         "\ndns_ovh_consumer_key = " + options_.consumer_key + "\n";
}

DnsApiFake::Refused OvhFake::WrongCredentials() const {
  const std::string wrong = "Wr0ng" + options_.consumer_key;
  return {"dns_ovh_endpoint = " + api_url() +
              "\ndns_ovh_application_key = " + options_.application_key +
              "\ndns_ovh_application_secret = " + options_.application_secret +
              "\ndns_ovh_consumer_key = " + wrong + "\n",
          wrong, 403};
}

http::Response OvhFake::Handle(const HttpsRequest& request) {
  const std::string what = request.method + " " + request.target;
  const long long now = state_->Now(options_.clock_offset);
  if (request.target == "/1.0/auth/time") {
    if (request.method != "GET") zones_.Violation(what + ": not GET");
    return JsonReply(200, now);
  }
  if (request.Header("X-Ovh-Application").value_or("") !=
      options_.application_key)
    return Error(403, "INVALID_KEY", "Invalid application key");
  if (request.Header("X-Ovh-Consumer").value_or("") != options_.consumer_key)
    return Error(403, "INVALID_CREDENTIAL", "This credential does not exist");
  const std::string timestamp = request.Header("X-Ovh-Timestamp").value_or("");
  if (!AllDigits(timestamp) || std::llabs(std::stoll(timestamp) - now) > 30) {
    zones_.Violation(what + ": X-Ovh-Timestamp " + timestamp +
                     " is not the API's time " + std::to_string(now));
    return Error(400, "QUERY_TIME_OUT", "Query out of time");
  }
  const std::string expected =
      "$1$" +
      Sha1Hex(options_.application_secret + "+" + options_.consumer_key + "+" +
              request.method + "+" + server_.base() + request.target + "+" +
              request.body + "+" + timestamp);
  if (request.Header("X-Ovh-Signature").value_or("") != expected) {
    zones_.Violation(what + ": bad X-Ovh-Signature");
    return Error(400, "INVALID_SIGNATURE", "Invalid signature");
  }
  if (auto fail = zones_.FailureFor(request.method)) {
    http::Response r =
        fail->status == 429
            ? Error(429, "QUERY_LIMIT_REACHED", "Too many requests")
            : Error(fail->status, "INTERNAL_SERVER_ERROR",
                    "Internal server error");
    if (!fail->retry_after.empty())
      r.headers.emplace_back("Retry-After", fail->retry_after);
    return r;
  }
  const std::vector<std::string> parts = Split(request.Path(), '/');
  // "", "1.0", "domain", "zone" [, Z, ...]
  if (parts.size() < 4 || parts[1] != "1.0" || parts[2] != "domain" ||
      parts[3] != "zone") {
    zones_.Violation(what + ": no such endpoint");
    return Error(404, "RESOURCE_NOT_FOUND", "This service does not exist");
  }
  if (parts.size() == 4 && request.method == "GET") {
    if (!request.Query().empty())
      zones_.Violation(what + ": GET /domain/zone takes no query");
    return JsonReply(200, zones_.zones());
  }
  if (parts.size() == 4 || zones_.ZoneId(parts[4]).empty()) {
    zones_.Violation(what + ": no such endpoint or zone");
    return Error(404, "RESOURCE_NOT_FOUND", "This service does not exist");
  }
  return Zone(request, parts[4],
              std::vector<std::string>(parts.begin() + 5, parts.end()));
}

http::Response OvhFake::Zone(const HttpsRequest& request,
                             const std::string& zone,
                             const std::vector<std::string>& rest) {
  const std::string what = request.method + " " + request.target;
  std::lock_guard<std::mutex> lock(state_->mu);
  auto as_json = [](const State::Record& r) {
    return json{
        {"id", r.id},         {"zone", r.zone},     {"subDomain", r.sub_domain},
        {"fieldType", "TXT"}, {"target", r.target}, {"ttl", r.ttl}};
  };
  if (rest.size() == 1 && rest[0] == "refresh" && request.method == "POST") {
    if (!request.body.empty())
      zones_.Violation(what + ": refresh takes no body");
    std::vector<State::Record> kept;
    for (State::Record& r : state_->records) {
      if (r.zone != zone) {
        kept.push_back(r);
        continue;
      }
      if (r.deleted) {
        if (!r.live.empty()) zones_.Remove(r.live);
        continue;
      }
      if (r.live.empty())
        r.live = zones_.Add(
            zone, r.sub_domain.empty() ? zone : r.sub_domain + "." + zone,
            r.target, r.ttl);
      kept.push_back(r);
    }
    state_->records = kept;
    return JsonReply(200, nullptr);
  }
  if (rest.empty() || rest[0] != "record") {
    zones_.Violation(what + ": no such endpoint");
    return Error(404, "RESOURCE_NOT_FOUND", "This service does not exist");
  }
  if (rest.size() == 1 && request.method == "GET") {
    std::string type, sub;
    bool has_sub = false;
    for (const auto& [k, v] : request.QueryParams()) {
      if (k == "fieldType")
        type = v;
      else if (k == "subDomain") {
        sub = v;
        has_sub = true;
      } else
        zones_.Violation(what + ": undocumented " + k);
    }
    json ids = json::array();
    for (const State::Record& r : state_->records)
      if (r.zone == zone && !r.deleted && (type.empty() || type == "TXT") &&
          (!has_sub || r.sub_domain == sub))
        ids.push_back(r.id);
    return JsonReply(200, ids);
  }
  if (rest.size() == 1 && request.method == "POST") {
    const json body = JsonObjectBody(
        request, zones_, {"fieldType", "subDomain", "target", "ttl"});
    if (body.is_null()) return Error(400, "INVALID_BODY", "Invalid JSON body");
    if (body.value("fieldType", "") != "TXT")
      zones_.Violation(what + ": fieldType is not TXT");
    const std::string sub = ToLower(body.value("subDomain", ""));
    if (EndsWith(sub, ".") || EndsWith(sub, "." + zone) || sub == zone)
      zones_.Violation(what + ": subDomain \"" + sub + "\" is not relative");
    if (body.value("target", "").empty())
      zones_.Violation(what + ": no target");
    std::uint32_t ttl = 0;
    if (body.contains("ttl")) {
      if (!body["ttl"].is_number_unsigned())
        zones_.Violation(what + ": ttl is not an integer");
      else
        ttl = body["ttl"].get<std::uint32_t>();
    }
    State::Record r{
        state_->next_id++, zone, sub, body.value("target", ""), ttl, "", false};
    state_->records.push_back(r);
    return JsonReply(200, as_json(r));
  }
  if (rest.size() == 2 && AllDigits(rest[1])) {
    for (State::Record& r : state_->records) {
      if (r.zone != zone || r.deleted || std::to_string(r.id) != rest[1])
        continue;
      if (request.method == "GET") return JsonReply(200, as_json(r));
      if (request.method == "DELETE") {
        r.deleted = true;
        return JsonReply(200, nullptr);
      }
    }
    if (request.method == "GET" || request.method == "DELETE")
      return Error(
          404, "RESOURCE_NOT_FOUND",
          "The requested object (id = " + rest[1] + ") does not exist");
  }
  zones_.Violation(what + ": no such endpoint");
  return Error(405, "METHOD_NOT_ALLOWED", "Method not allowed");
}

}  // namespace certpilot::testing
