#include "support/google_dns_fake.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "support/fake_api_replies.h"
#include "unit/crypto/crypto_test_util.h"
#include "util/base64url.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

using nlohmann::json;

constexpr char kScope[] =
    "https://www.googleapis.com/auth/ndev.clouddns.readwrite";
constexpr char kGrantType[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr char kKeyId[] = "5c2a4b1e9d7f3a6c8b0e2d4f6a8c0e2b4d6f8a0c";

http::Response ApiError(int status, const std::string& message,
                        const std::string& reason, const std::string& code) {
  return JsonReply(status, {{"error",
                             {{"code", status},
                              {"message", message},
                              {"errors", json::array({{{"message", message},
                                                       {"domain", "global"},
                                                       {"reason", reason}}})},
                              {"status", code}}}});
}

http::Response GrantError(const std::string& why) {
  return JsonReply(400,
                   {{"error", "invalid_grant"}, {"error_description", why}});
}

// The managed zone's name, as a console user might have called it.
std::string ManagedZoneName(const std::string& zone) {
  std::string name = zone;
  std::replace(name.begin(), name.end(), '.', '-');
  return "zone-" + name;
}

long long Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct GoogleDnsFake::State {
  EVP_PKEY* public_key = nullptr;
  std::mutex mu;
  std::set<std::string> tokens;
  int grants = 0;
  int changes = 0;
  ~State() { EVP_PKEY_free(public_key); }
};

GoogleDnsFake::GoogleDnsFake(GoogleDnsFakeOptions options)
    : options_(std::move(options)),
      zones_(options_.zones),
      state_(std::make_unique<State>()),
      server_([this](const HttpsRequest& r) { return Handle(r); }) {
  // The public half only, as Google keeps it.
  const std::string pem =
      crypto::test_util::CachedKey("rsa-2048").PublicKeyPem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  state_->public_key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
}

GoogleDnsFake::~GoogleDnsFake() = default;

std::string GoogleDnsFake::client_email() const {
  return "certpilot@" + options_.project + ".iam.gserviceaccount.com";
}

int GoogleDnsFake::grants() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->grants;
}

std::string GoogleDnsFake::KeyFile(const std::string& key_pem) const {
  return json{{"type", "service_account"},
              {"project_id", options_.project},
              {"private_key_id", kKeyId},
              {"private_key", key_pem},
              {"client_email", client_email()},
              {"client_id", "104729384756102938475"},
              {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
              {"token_uri", server_.base() + "/token"},
              {"dns_google_api_url", server_.base() + "/dns/v1"}}
      .dump(2);
}

std::string GoogleDnsFake::CredentialsIni() const {
  return KeyFile(crypto::test_util::CachedKey("rsa-2048").ToPem());
}

DnsApiFake::Refused GoogleDnsFake::WrongCredentials() const {
  const std::string pem = crypto::test_util::CachedKey("rsa-3072").ToPem();
  // A line of the private key's body: it must never be shown.
  const std::vector<std::string> lines = Split(pem, '\n');
  return {KeyFile(pem), lines.size() > 3 ? lines[2] : pem, 400};
}

http::Response GoogleDnsFake::Handle(const HttpsRequest& request) {
  if (request.Path() == "/token") return Token(request);
  return Api(request);
}

http::Response GoogleDnsFake::Token(const HttpsRequest& request) {
  const std::string what = request.method + " " + request.target;
  if (request.method != "POST") {
    zones_.Violation(what + ": the token endpoint takes POST");
    return JsonReply(405, {{"error", "invalid_request"}});
  }
  if (request.Header("Content-Type").value_or("") !=
      "application/x-www-form-urlencoded")
    zones_.Violation(what + ": not a form (Content-Type " +
                     request.Header("Content-Type").value_or("none") + ")");
  std::map<std::string, std::string> form;
  for (const auto& [k, v] : request.FormParams()) {
    if (k != "grant_type" && k != "assertion")
      zones_.Violation(what + ": undocumented form field " + k);
    form[k] = v;
  }
  if (form["grant_type"] != kGrantType)
    return JsonReply(400, {{"error", "unsupported_grant_type"},
                           {"error_description",
                            "Invalid grant_type: " + form["grant_type"]}});
  const std::vector<std::string> parts = Split(form["assertion"], '.');
  if (parts.size() != 3) return GrantError("Invalid JWT: not three segments");
  const json header =
      json::parse(Base64UrlDecode(parts[0]).value_or(""), nullptr, false);
  const json claims =
      json::parse(Base64UrlDecode(parts[1]).value_or(""), nullptr, false);
  if (!header.is_object() || header.value("alg", "") != "RS256")
    return GrantError("Invalid JWT: the algorithm is not RS256");
  if (header.value("kid", "") != kKeyId)
    zones_.Violation(what + ": JWT header kid is not the private_key_id");
  if (!crypto::test_util::VerifyJwsSignature(
          state_->public_key, "RS256", parts[0] + "." + parts[1],
          Base64UrlDecode(parts[2]).value_or("")))
    return GrantError("Invalid JWT Signature.");
  if (!claims.is_object() || claims.value("iss", "") != client_email() ||
      claims.value("scope", "") != kScope ||
      claims.value("aud", "") != server_.base() + "/token") {
    zones_.Violation(what + ": JWT claims " + claims.dump());
    return GrantError("Invalid JWT claims.");
  }
  const long long iat = claims.value("iat", 0LL);
  if (std::llabs(iat - Now()) > 300 || claims.value("exp", 0LL) != iat + 3600) {
    zones_.Violation(what + ": JWT iat/exp not now and now + 3600");
    return GrantError(
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in "
        "a reasonable timeframe.");
  }
  std::lock_guard<std::mutex> lock(state_->mu);
  const std::string token =
      "ya29.c.fake-access-token-" + std::to_string(++state_->grants);
  state_->tokens.insert(token);
  return JsonReply(200, {{"access_token", token},
                         {"expires_in", 3599},
                         {"token_type", "Bearer"}});
}

http::Response GoogleDnsFake::Api(const HttpsRequest& request) {
  const std::string what = request.method + " " + request.target;
  const std::string auth = request.Header("Authorization").value_or("");
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!StartsWith(auth, "Bearer ") || !state_->tokens.count(auth.substr(7)))
      return ApiError(401,
                      "Request had invalid authentication credentials. "
                      "Expected OAuth 2 access token.",
                      "authError", "UNAUTHENTICATED");
  }
  if (auto fail = zones_.FailureFor(request.method)) {
    http::Response r = fail->status == 429
                           ? ApiError(429, "Rate Limit Exceeded",
                                      "rateLimitExceeded", "RESOURCE_EXHAUSTED")
                           : ApiError(fail->status, "Backend Error",
                                      "backendError", "UNAVAILABLE");
    if (!fail->retry_after.empty())
      r.headers.emplace_back("Retry-After", fail->retry_after);
    return r;
  }
  const std::vector<std::string> parts = Split(request.Path(), '/');
  // "", "dns", "v1", "projects", P, "managedZones" [, Z, "rrsets" |
  // "changes" [, ID]]
  if (parts.size() < 6 || parts[1] != "dns" || parts[2] != "v1" ||
      parts[3] != "projects" || parts[5] != "managedZones") {
    zones_.Violation(what + ": no such endpoint");
    return ApiError(404, "Not Found", "notFound", "NOT_FOUND");
  }
  if (parts[4] != options_.project)
    return ApiError(403, "Forbidden", "forbidden", "PERMISSION_DENIED");
  const auto params = request.QueryParams();
  if (parts.size() == 6 && request.method == "GET") {
    size_t start = 0;
    for (const auto& [k, v] : params) {
      if (k == "pageToken" && StartsWith(v, "p") && AllDigits(v.substr(1)))
        start = std::stoul(v.substr(1));
      else if (k != "maxResults" && k != "dnsName")
        zones_.Violation(what + ": undocumented or bad " + k);
    }
    json list = json::array();
    const std::vector<std::string>& all = zones_.zones();
    if (start < all.size())
      list.push_back({{"kind", "dns#managedZone"},
                      {"name", ManagedZoneName(all[start])},
                      {"dnsName", all[start] + "."},
                      {"id", std::to_string(4000000000000000000ULL + start)},
                      {"visibility", "public"}});
    json out = {{"kind", "dns#managedZonesListResponse"},
                {"managedZones", list}};
    if (start + 1 < all.size())
      out["nextPageToken"] = "p" + std::to_string(start + 1);
    return JsonReply(200, out);
  }
  std::string zone;
  for (const std::string& z : zones_.zones())
    if (parts.size() > 6 && ManagedZoneName(z) == parts[6]) zone = z;
  if (zone.empty()) {
    zones_.Violation(what + ": no such managed zone");
    return ApiError(404,
                    "The 'parameters.managedZone' resource named '" +
                        (parts.size() > 6 ? parts[6] : "") +
                        "' does not exist.",
                    "notFound", "NOT_FOUND");
  }
  if (parts.size() == 8 && parts[7] == "rrsets" && request.method == "GET") {
    std::string name, type;
    for (const auto& [k, v] : params) {
      if (k == "name")
        name = v;
      else if (k == "type")
        type = v;
      else
        zones_.Violation(what + ": undocumented " + k);
    }
    if (!type.empty() && name.empty())
      zones_.Violation(what + ": type given without name");
    if (!name.empty() && !EndsWith(name, "."))
      zones_.Violation(what + ": name is not fully qualified (a dot)");
    json rrsets = json::array();
    std::vector<FakeTxtRecord> set;
    for (const FakeTxtRecord& r : zones_.Records(zone))
      if (r.name + "." == name && (type.empty() || type == "TXT"))
        set.push_back(r);
    if (!set.empty()) {
      json datas = json::array();
      for (const FakeTxtRecord& r : set) datas.push_back("\"" + r.value + "\"");
      rrsets.push_back({{"kind", "dns#resourceRecordSet"},
                        {"name", name},
                        {"type", "TXT"},
                        {"ttl", set.front().ttl},
                        {"rrdatas", datas}});
    }
    return JsonReply(200, {{"kind", "dns#resourceRecordSetsListResponse"},
                           {"rrsets", rrsets}});
  }
  if (parts.size() == 8 && parts[7] == "changes" && request.method == "POST")
    return Change(request, zone);
  if (parts.size() == 9 && parts[7] == "changes" && request.method == "GET") {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!AllDigits(parts[8]) || std::stoi(parts[8]) > state_->changes)
      return ApiError(404, "Not Found", "notFound", "NOT_FOUND");
    return JsonReply(
        200, {{"kind", "dns#change"}, {"id", parts[8]}, {"status", "done"}});
  }
  zones_.Violation(what + ": no such endpoint");
  return ApiError(404, "Not Found", "notFound", "NOT_FOUND");
}

http::Response GoogleDnsFake::Change(const HttpsRequest& request,
                                     const std::string& zone) {
  const std::string what = request.method + " " + request.target;
  const json change =
      JsonObjectBody(request, zones_, {"kind", "additions", "deletions"});
  if (change.is_null())
    return ApiError(400, "Invalid JSON payload received.", "parseError",
                    "INVALID_ARGUMENT");
  std::lock_guard<std::mutex> lock(state_->mu);  // one change at a time
  // Checks every rrset of `list` and returns the (name, values, ttl) sets.
  struct Set {
    std::string name;  // no trailing dot
    std::vector<std::string> values;
    std::uint32_t ttl;
  };
  auto sets = [&](const char* key, std::vector<Set>* out) {
    for (const json& s : change.value(key, json::array())) {
      static const std::set<std::string> allowed = {"kind", "name", "type",
                                                    "ttl", "rrdatas"};
      for (const auto& [k, v] : s.items())
        if (!allowed.count(k)) zones_.Violation(what + ": undocumented " + k);
      const std::string name = s.value("name", "");
      if (s.value("type", "") != "TXT" || !EndsWith(name, ".") ||
          zones_.ZoneOf(name.substr(0, name.size() - 1)) != zone ||
          !s.contains("ttl") || !s["ttl"].is_number_unsigned() ||
          !s.contains("rrdatas") || !s["rrdatas"].is_array()) {
        zones_.Violation(what + ": malformed " + key + " " + s.dump());
        return false;
      }
      Set set{
          name.substr(0, name.size() - 1), {}, s["ttl"].get<std::uint32_t>()};
      for (const json& d : s["rrdatas"]) {
        const std::string text = d.is_string() ? d.get<std::string>() : "";
        if (text.size() < 2 || text.front() != '"' || text.back() != '"') {
          zones_.Violation(what + ": rrdata " + d.dump() + " is not quoted");
          return false;
        }
        set.values.push_back(text.substr(1, text.size() - 2));
      }
      out->push_back(set);
    }
    return true;
  };
  std::vector<Set> deletions, additions;
  if (!sets("deletions", &deletions) || !sets("additions", &additions))
    return ApiError(400, "Invalid value for 'entity.change'", "invalid",
                    "INVALID_ARGUMENT");
  auto current = [&](const std::string& name) {
    std::vector<FakeTxtRecord> out;
    for (const FakeTxtRecord& r : zones_.Records(zone))
      if (r.name == name) out.push_back(r);
    return out;
  };
  for (const Set& d : deletions) {
    std::vector<std::string> now;
    std::uint32_t ttl = 0;
    for (const FakeTxtRecord& r : current(d.name)) {
      now.push_back(r.value);
      ttl = r.ttl;
    }
    if (now != d.values || ttl != d.ttl)
      return ApiError(412,
                      "Precondition not met for 'entity.change.deletions[0]'",
                      "conditionNotMet", "FAILED_PRECONDITION");
  }
  for (const Set& a : additions) {
    bool deleted = false;
    for (const Set& d : deletions) deleted = deleted || d.name == a.name;
    if (!deleted && !current(a.name).empty())
      return ApiError(409,
                      "The resource 'entity.change.additions[0]' named '" +
                          a.name + ". (TXT)' already exists",
                      "alreadyExists", "ALREADY_EXISTS");
  }
  for (const Set& d : deletions)
    for (const FakeTxtRecord& r : current(d.name)) zones_.Remove(r.id);
  for (const Set& a : additions)
    for (const std::string& v : a.values) zones_.Add(zone, a.name, v, a.ttl);
  const std::string id = std::to_string(++state_->changes);
  return JsonReply(200,
                   {{"kind", "dns#change"},
                    {"id", id},
                    {"status", options_.pending_changes ? "pending" : "done"}});
}

}  // namespace certpilot::testing
