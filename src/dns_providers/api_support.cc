#include "dns_providers/api_support.h"

#include "solvers/dns_provider.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {

std::string Dotted(std::string name) {
  name = ToLower(name);
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

std::string Undotted(const std::string& name) {
  if (!name.empty() && name.back() == '.')
    return name.substr(0, name.size() - 1);
  return name;
}

std::string RelativeName(const std::string& fqdn, const std::string& zone) {
  if (fqdn == zone) return "@";
  return fqdn.substr(0, fqdn.size() - zone.size() - 1);
}

std::vector<std::string> CandidateZones(const std::string& name) {
  std::vector<std::string> out;
  std::string rest = Undotted(Dotted(name));
  for (size_t dot; (dot = rest.find('.')) != std::string::npos;
       rest = rest.substr(dot + 1))
    out.push_back(rest);
  return out;
}

bool InZone(const std::string& fqdn, const std::string& zone) {
  return fqdn == zone ||
         (fqdn.size() > zone.size() && EndsWith(fqdn, "." + zone));
}

std::string LongestZone(const std::string& fqdn,
                        const std::vector<std::string>& zones) {
  std::string best;
  for (const std::string& zone : zones)
    if (InZone(fqdn, zone) && zone.size() > best.size()) best = zone;
  return best;
}

void ThrowNoZone(const std::string& fqdn, const std::string& where,
                 const std::vector<std::string>& hosted) {
  std::string which =
      hosted.empty() ? "no zones"
      : hosted.size() <= 10
          ? "only " + Join(hosted, ", ")
          : std::to_string(hosted.size()) + " zones, none of them a parent";
  throw solvers::DnsProviderError("no zone for " + StripControl(fqdn) + " at " +
                                      where + ": it hosts " +
                                      StripControl(which),
                                  0);
}

std::string ApiBaseUrl(const solvers::CredentialsIni& ini,
                       const std::string& default_url) {
  std::optional<solvers::CredentialValue> url = ini.Get("api_url");
  if (!url) return default_url;
  if (!StartsWith(url->text, "https://") || url->text.size() <= 8)
    throw ini.Bad("api_url", *url, "is not an https:// URL");
  std::string out = url->text;
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

nlohmann::json ParseApiJson(const std::string& provider,
                            const std::string& body, const std::string& what) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded())
    throw solvers::DnsProviderError(
        provider + " API: " + StripControl(what) + " answered malformed JSON",
        0);
  return j;
}

std::string QueryEscape(const std::string& value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string PathSegment(const std::string& provider, const std::string& text) {
  if (text.empty() || text.find_first_of("/?#% ") != std::string::npos)
    throw solvers::DnsProviderError(provider + " API: \"" + StripControl(text) +
                                        "\" is not usable in a URL",
                                    0);
  return text;
}

}  // namespace certpilot::dns_providers

namespace certpilot::dns_providers {

JsonApi::JsonApi(std::string provider, std::string base_url, http::Headers auth,
                 std::vector<std::string> secrets, ErrorMessage error_message,
                 http::HttpClient& http)
    : provider_(std::move(provider)),
      base_url_(std::move(base_url)),
      auth_(std::move(auth)),
      secrets_(std::move(secrets)),
      error_message_(std::move(error_message)),
      http_(http) {}

nlohmann::json JsonApi::Call(const std::string& method, const std::string& path,
                             const nlohmann::json& body, int tolerated) {
  http::Request request;
  request.method = method;
  request.url = base_url_ + path;
  request.headers = auth_;
  request.headers.emplace_back("Accept", "application/json");
  if (!body.is_null()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body.dump();
  }
  request.max_body_bytes = 16 << 20;  // a long record list
  http::Response response = http_.Do(request);
  if (tolerated != 0 && response.status == tolerated) return nullptr;
  nlohmann::json parsed = nlohmann::json::parse(response.body, nullptr, false);
  std::string message;
  if (!parsed.is_discarded() && error_message_)
    message = error_message_(parsed);
  solvers::CheckApiResponse(provider_, request, response, message, secrets_);
  if (Trim(response.body).empty()) return nullptr;
  if (parsed.is_discarded())
    throw solvers::DnsProviderError(provider_ + " API: " + method + " " +
                                        StripControl(path) +
                                        " answered malformed JSON",
                                    0);
  return parsed;
}

std::string QuoteTxt(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string UnquoteTxt(const std::string& content) {
  if (content.size() >= 2 && content.front() == '"' && content.back() == '"')
    return content.substr(1, content.size() - 2);
  return content;
}

void ThrowNoZoneAmong(const std::string& fqdn, const std::string& where,
                      const std::vector<std::string>& candidates) {
  throw solvers::DnsProviderError("no zone for " + StripControl(fqdn) + " at " +
                                      where + ": none of " +
                                      StripControl(Join(candidates, ", ")) +
                                      " is a zone these credentials can see",
                                  0);
}

}  // namespace certpilot::dns_providers
