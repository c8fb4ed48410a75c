#include "acme/json.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "util/base64url.h"
#include "util/strings.h"

namespace certpilot::acme::json {
namespace {

using nlohmann::json;

// A CA never needs deep nesting; a hostile one could use it to exhaust the
// stack of a recursive parser.
constexpr int kMaxDepth = 32;

json Parse(std::string_view body, std::string_view what) {
  try {
    return json::parse(body, [what](int depth, json::parse_event_t, json&) {
      if (depth > kMaxDepth)
        throw ProtocolError(std::string(what),
                            std::string(what) + ": JSON nested too deeply");
      return true;
    });
  } catch (const json::exception& e) {
    throw ProtocolError(std::string(what),
                        std::string(what) + ": malformed JSON: " + e.what());
  }
}

const json& Member(const json& obj, std::string_view object,
                   const char* field) {
  if (!obj.is_object())
    throw ProtocolError(std::string(object),
                        std::string(object) + " is not a JSON object");
  auto it = obj.find(field);
  if (it == obj.end())
    throw ProtocolError(
        field, std::string(object) + ": missing field \"" + field + "\"");
  return *it;
}

std::string String(const json& obj, std::string_view object,
                   const char* field) {
  const json& v = Member(obj, object, field);
  if (!v.is_string())
    throw ProtocolError(field, std::string(object) + ": field \"" + field +
                                   "\" is not a string");
  return v.get<std::string>();
}

std::string OptString(const json& obj, std::string_view object,
                      const char* field) {
  if (!obj.contains(field) || obj[field].is_null()) return "";
  return String(obj, object, field);
}

std::string Url(const json& obj, std::string_view object, const char* field,
                bool required = true) {
  std::string url =
      required ? String(obj, object, field) : OptString(obj, object, field);
  // A required URL must be there and https; "" is neither (a CA that sends
  // "finalize": "" must not make us post to nowhere later).
  if ((required || !url.empty()) && !IsHttpsUrl(url))
    throw ProtocolError(field, std::string(object) + ": field \"" + field +
                                   "\" is not an https URL: " +
                                   StripControl(url.substr(0, 200)));
  return url;
}

std::vector<std::string> StringArray(const json& obj, std::string_view object,
                                     const char* field, bool required) {
  std::vector<std::string> out;
  if (!obj.contains(field) && !required) return out;
  const json& v = Member(obj, object, field);
  if (!v.is_array())
    throw ProtocolError(field, std::string(object) + ": field \"" + field +
                                   "\" is not an array");
  for (const json& e : v) {
    if (!e.is_string())
      throw ProtocolError(field, std::string(object) + ": field \"" + field +
                                     "\" holds a non-string");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Status StatusField(const json& obj, std::string_view object) {
  return ParseStatus(String(obj, object, "status"));
}

std::optional<TimePoint> OptTime(const json& obj, std::string_view object,
                                 const char* field) {
  std::string s = OptString(obj, object, field);
  if (s.empty()) return std::nullopt;
  std::tm tm{};
  // RFC 3339 (§7.1); fractional seconds and offsets other than Z are rare in
  // practice and only used for display, so parse the common prefix.
  if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm))
    throw ProtocolError(field, std::string(object) + ": field \"" + field +
                                   "\" is not an RFC 3339 time");
  // TimePoint counts nanoseconds (years ~1678 to 2262): clamp, as
  // crypto::Certificate does, rather than overflow.
  const std::time_t secs = timegm(&tm);
  const auto limit = std::chrono::duration_cast<std::chrono::seconds>(
                         TimePoint::max().time_since_epoch())
                         .count();
  if (secs >= limit) return TimePoint::max();
  if (secs <= -limit) return TimePoint::min();
  return TimePoint(std::chrono::seconds(secs));
}

Identifier ParseIdentifier(const json& v, std::string_view object) {
  Identifier id;
  id.type = String(v, object, "type");
  id.value = String(v, object, "value");
  return id;
}

json IdentifierJson(const Identifier& id) {
  return {{"type", id.type}, {"value", id.value}};
}

Problem ProblemFromJson(const json& j, int status, int depth) {
  Problem p;
  p.status = status;
  if (!j.is_object()) return p;
  if (j.contains("type") && j["type"].is_string())
    p.type_urn = j["type"].get<std::string>();
  p.type = ParseProblemType(p.type_urn);
  if (j.contains("detail") && j["detail"].is_string())
    p.detail = j["detail"].get<std::string>();
  if (j.contains("status") && j["status"].is_number_integer())
    p.status = j["status"].get<int>();
  if (j.contains("identifier") && j["identifier"].is_object()) {
    const json& id = j["identifier"];
    if (id.contains("type") && id["type"].is_string() && id.contains("value") &&
        id["value"].is_string())
      p.identifier = Identifier{id["type"], id["value"]};
  }
  if (depth < 2 && j.contains("subproblems") && j["subproblems"].is_array())
    for (const json& sub : j["subproblems"])
      p.subproblems.push_back(ProblemFromJson(sub, status, depth + 1));
  return p;
}

std::string ErrorText(const json& obj) {
  if (!obj.contains("error") || obj["error"].is_null()) return "";
  return ProblemFromJson(obj["error"], 0, 0).ToString();
}

std::string Dump(const json& j) { return j.dump(); }

}  // namespace

bool IsHttpsUrl(std::string_view url) {
  if (!StartsWith(url, "https://") || url.size() <= 8) return false;
  char first = url[8];
  if (first == '/' || first == '?' || first == '#' || first == '@')
    return false;
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  return true;
}

Directory ParseDirectory(std::string_view body) {
  constexpr std::string_view kWhat = "directory";
  json j = Parse(body, kWhat);
  Directory d;
  d.raw_json = body;
  d.new_nonce = Url(j, kWhat, "newNonce");
  d.new_account = Url(j, kWhat, "newAccount");
  d.new_order = Url(j, kWhat, "newOrder");
  d.revoke_cert = Url(j, kWhat, "revokeCert", false);
  d.key_change = Url(j, kWhat, "keyChange", false);
  d.new_authz = Url(j, kWhat, "newAuthz", false);
  d.renewal_info = Url(j, kWhat, "renewalInfo", false);
  if (j.contains("meta") && j["meta"].is_object()) {
    const json& m = j["meta"];
    d.meta.terms_of_service = OptString(m, "directory meta", "termsOfService");
    d.meta.website = OptString(m, "directory meta", "website");
    if (m.contains("externalAccountRequired") &&
        m["externalAccountRequired"].is_boolean())
      d.meta.external_account_required = m["externalAccountRequired"];
    if (m.contains("profiles") && m["profiles"].is_object())
      for (auto& [name, desc] : m["profiles"].items())
        d.meta.profiles[name] = desc.is_string() ? desc.get<std::string>() : "";
  }
  return d;
}

Account ParseAccount(std::string_view body, const std::string& url) {
  constexpr std::string_view kWhat = "account";
  json j = Parse(body, kWhat);
  Account a;
  a.url = url;
  a.status = StatusField(j, kWhat);
  a.contact = StringArray(j, kWhat, "contact", false);
  a.orders = OptString(j, kWhat, "orders");
  a.raw_json = Dump(j);
  return a;
}

Order ParseOrder(std::string_view body, const std::string& url) {
  constexpr std::string_view kWhat = "order";
  json j = Parse(body, kWhat);
  Order o;
  o.url = url;
  o.status = StatusField(j, kWhat);
  const json& ids = Member(j, kWhat, "identifiers");
  if (!ids.is_array())
    throw ProtocolError("identifiers",
                        "order: field \"identifiers\" is not an array");
  for (const json& id : ids)
    o.identifiers.push_back(ParseIdentifier(id, "order identifier"));
  o.authorizations = StringArray(j, kWhat, "authorizations", true);
  for (const std::string& a : o.authorizations)
    if (!IsHttpsUrl(a))
      throw ProtocolError("authorizations",
                          "order: authorization URL is not https: " +
                              StripControl(a.substr(0, 200)));
  o.finalize = Url(j, kWhat, "finalize");
  o.certificate = Url(j, kWhat, "certificate", false);
  o.error_text = ErrorText(j);
  o.expires = OptTime(j, kWhat, "expires");
  return o;
}

Challenge ParseChallengeJson(const json& j) {
  constexpr std::string_view kWhat = "challenge";
  Challenge c;
  c.type = String(j, kWhat, "type");
  c.url = Url(j, kWhat, "url");
  c.status = StatusField(j, kWhat);
  c.token = OptString(j, kWhat, "token");
  // §8.1/§11.3: tokens are base64url with at least 128 bits of entropy. They
  // end up in file names, nginx configs and hook environments, so anything
  // else is refused here, before any of that happens.
  if (!c.token.empty() &&
      (!IsBase64Url(c.token) || c.token.size() < 22 || c.token.size() > 256))
    throw ProtocolError("token",
                        "challenge: token is not base64url of 22 to "
                        "256 characters: " +
                            StripControl(c.token.substr(0, 80)));
  // The three types certpilot answers cannot work without one (RFC 8555
  // §8.3, §8.4, RFC 8737 §3).
  if (c.token.empty() &&
      (c.type == "http-01" || c.type == "dns-01" || c.type == "tls-alpn-01"))
    throw ProtocolError(
        "token", "challenge: " + StripControl(c.type) + " without a token");
  c.error_text = ErrorText(j);
  return c;
}

Challenge ParseChallenge(std::string_view body) {
  return ParseChallengeJson(Parse(body, "challenge"));
}

Authorization ParseAuthorization(std::string_view body,
                                 const std::string& url) {
  constexpr std::string_view kWhat = "authorization";
  json j = Parse(body, kWhat);
  Authorization a;
  a.url = url;
  a.identifier = ParseIdentifier(Member(j, kWhat, "identifier"), kWhat);
  a.status = StatusField(j, kWhat);
  const json& chals = Member(j, kWhat, "challenges");
  if (!chals.is_array())
    throw ProtocolError("challenges",
                        "authorization: field \"challenges\" is not an array");
  for (const json& c : chals) a.challenges.push_back(ParseChallengeJson(c));
  if (j.contains("wildcard") && j["wildcard"].is_boolean())
    a.wildcard = j["wildcard"];
  a.expires = OptTime(j, kWhat, "expires");
  return a;
}

RenewalInfo ParseRenewalInfo(std::string_view body) {
  constexpr std::string_view kWhat = "renewalInfo";
  json j = Parse(body, kWhat);
  const json& window = Member(j, kWhat, "suggestedWindow");
  RenewalInfo info;
  auto start = OptTime(window, "suggestedWindow", "start");
  auto end = OptTime(window, "suggestedWindow", "end");
  if (!start || !end)
    throw ProtocolError("suggestedWindow",
                        "renewalInfo: window needs start and end");
  if (*end <= *start)
    throw ProtocolError("suggestedWindow",
                        "renewalInfo: window ends before it starts");
  info.window_start = *start;
  info.window_end = *end;
  info.explanation_url = OptString(j, kWhat, "explanationURL");
  return info;
}

Problem ParseProblem(std::string_view body, int status) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    Problem p;
    p.status = status;
    p.detail = std::string(Trim(body.substr(0, 300)));
    if (p.detail.empty()) p.detail = "HTTP status " + std::to_string(status);
    return p;
  }
  return ProblemFromJson(j, status, 0);
}

std::string NewAccountPayload(const std::vector<std::string>& contact,
                              bool terms_of_service_agreed,
                              bool only_return_existing,
                              const std::string& external_account_binding_jws) {
  json j = json::object();
  if (only_return_existing) {
    j["onlyReturnExisting"] = true;
    return Dump(j);
  }
  j["contact"] = contact;
  if (terms_of_service_agreed) j["termsOfServiceAgreed"] = true;
  if (!external_account_binding_jws.empty())
    j["externalAccountBinding"] = json::parse(external_account_binding_jws);
  return Dump(j);
}

std::string NewOrderPayload(const std::vector<Identifier>& identifiers,
                            const std::string& replaces,
                            const std::string& profile) {
  json ids = json::array();
  for (const Identifier& id : identifiers) ids.push_back(IdentifierJson(id));
  json j = {{"identifiers", ids}};
  if (!replaces.empty()) j["replaces"] = replaces;  // RFC 9773 §5
  if (!profile.empty()) j["profile"] = profile;
  return Dump(j);
}

std::string FinalizePayload(std::string_view csr_der) {
  return Dump({{"csr", Base64UrlEncode(csr_der)}});
}

std::string RevokePayload(std::string_view cert_der, int reason) {
  return Dump({{"certificate", Base64UrlEncode(cert_der)}, {"reason", reason}});
}

std::string UpdateAccountPayload(const std::vector<std::string>& contact) {
  return Dump({{"contact", contact}});
}

std::string KeyChangePayload(std::string_view account_url,
                             std::string_view old_jwk_json) {
  return Dump(
      {{"account", account_url}, {"oldKey", json::parse(old_jwk_json)}});
}

std::string DeactivatePayload() { return Dump({{"status", "deactivated"}}); }

std::string EmptyObjectPayload() { return "{}"; }

std::string JwsJson(std::string_view protected_b64,
                    std::string_view payload_b64,
                    std::string_view signature_b64) {
  return Dump({{"protected", protected_b64},
               {"payload", payload_b64},
               {"signature", signature_b64}});
}

std::string ProtectedHeader(std::string_view alg, std::string_view jwk_json,
                            std::string_view kid, std::string_view nonce,
                            std::string_view url) {
  json h = {{"alg", alg}};
  if (!jwk_json.empty()) h["jwk"] = json::parse(jwk_json);
  if (!kid.empty()) h["kid"] = kid;
  if (!nonce.empty()) h["nonce"] = nonce;
  h["url"] = url;
  return Dump(h);
}

}  // namespace certpilot::acme::json
